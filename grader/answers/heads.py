"""The trained heads: one logistic classifier per concept and per phrase tell, reading the
inputs features.py builds. Stored in answer_model/heads.npz (plain arrays, loaded with
allow_pickle=False); `python -m grader.answers.train` writes it from the sentence bank."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader.answers import features
from grader.answers.embedding import embed
from grader.answers.text import tokens
from grader.paths import answer_model_dir

FORMAT = 1


def heads_path() -> Path:
    return answer_model_dir() / "heads.npz"


def head_items(rubric) -> dict[str, object]:
    """Every rubric item a head can judge: concepts, and tells that have phrasings."""
    items = dict(rubric.concepts)
    items.update({t.id: t for t in rubric.tells.values() if t.phrasings})
    return items


def prototype_text(item) -> str:
    return f"{item.title}. {getattr(item, 'explains', '') or getattr(item, 'why', '')}"


@dataclass
class Heads:
    ids: list[str]
    weights: np.ndarray       # (heads, features.width())
    bias: np.ndarray          # (heads,)
    prototypes: np.ndarray    # (heads, embedding.DIM)
    meta: dict

    @classmethod
    def load(cls, path: Path | None = None) -> "Heads":
        with np.load(path or heads_path(), allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("format") != FORMAT or list(meta.get("flags", [])) != list(features.FLAGS):
                raise ValueError("heads.npz was trained for other inputs: retrain it "
                                 "(python -m grader.answers.train)")
            return cls([str(i) for i in data["ids"]], data["weights"], data["bias"],
                       data["prototypes"], meta)

    def save(self, path: Path) -> None:
        np.savez_compressed(path, ids=np.asarray(self.ids), weights=self.weights,
                            bias=self.bias, prototypes=self.prototypes,
                            meta=np.asarray(json.dumps(self.meta, sort_keys=True)))

    def probabilities(self, batch: "Batch", items: dict) -> dict[str, np.ndarray]:
        out = {}
        for row, head_id in enumerate(self.ids):
            if head_id in items:
                x = batch.design(items[head_id], self.prototypes[row])
                out[head_id] = _sigmoid(x @ self.weights[row] + self.bias[row])
        return out


class Batch:
    """Sentences prepared once (tokens, vectors, stance) for every head to read."""

    def __init__(self, texts: list[str], expects: list[frozenset[str]]):
        self.toks = [tokens(t) or [""] for t in texts]
        self.embeddings = embed(texts)
        self.flags = np.stack([features.stance(t) for t in self.toks]) if texts else \
            np.zeros((0, len(features.FLAGS)))
        self.expects = expects

    def __len__(self) -> int:
        return len(self.toks)

    def design(self, item, prototype: np.ndarray) -> np.ndarray:
        rows = [features.vector(self.embeddings[i], self.flags[i],
                                features.rule_inputs(item, self.toks[i], item.id in self.expects[i]),
                                prototype) for i in range(len(self))]
        return np.stack(rows) if rows else np.zeros((0, features.width()))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))

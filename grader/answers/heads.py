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
    """One small network for all heads: the shared inputs and each head's own two
    (expects, similarity) feed a hidden layer every head reads, then one output per head.
    Sharing the hidden layer lets a head with few examples use what the others learned
    (a negation, a warning, a list) about how things are said."""
    ids: list[str]
    w1: np.ndarray            # (inputs, hidden)
    b1: np.ndarray
    w2: np.ndarray            # (hidden, heads)
    b2: np.ndarray
    prototypes: np.ndarray    # (heads, embedding.DIM)
    thresholds: np.ndarray    # (heads,): the probability at which each head says yes
    vocabulary: list[str]     # the words and word pairs the lexical inputs count
    meta: dict

    ARRAYS = ("w1", "b1", "w2", "b2", "prototypes", "thresholds")

    @classmethod
    def load(cls, path: Path | None = None) -> "Heads":
        with np.load(path or heads_path(), allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("format") != FORMAT or list(meta.get("flags", [])) != list(features.FLAGS):
                raise ValueError("heads.npz was trained for other inputs: retrain it "
                                 "(python -m grader.answers.train)")
            arrays = {name: np.asarray(data[name], dtype=np.float64) for name in cls.ARRAYS}
            return cls([str(i) for i in data["ids"]], vocabulary=[str(v) for v in data["vocabulary"]],
                       meta=meta, **arrays)

    def save(self, path: Path) -> None:
        np.savez_compressed(path, ids=np.asarray(self.ids), vocabulary=np.asarray(self.vocabulary),
                            meta=np.asarray(json.dumps(self.meta, sort_keys=True)),
                            # float32 on disk halves the file; scoring reads float64
                            **{name: np.asarray(getattr(self, name), dtype=np.float32)
                               for name in self.ARRAYS})

    def inputs(self, batch: "Batch", items: dict) -> np.ndarray:
        return batch.inputs(self.vocabulary, [items.get(i) for i in self.ids], self.ids,
                            self.prototypes)

    def probabilities(self, batch: "Batch", items: dict) -> dict[str, np.ndarray]:
        """Per head, each sentence's probability rescaled so that the head's own threshold
        sits at 0.5 (piecewise linear): callers compare with 0.5 whatever the head."""
        p = forward(self.inputs(batch, items), self.w1, self.b1, self.w2, self.b2)[1]
        out = {}
        for k, head_id in enumerate(self.ids):
            if head_id in items:
                t = self.thresholds[k]
                out[head_id] = np.where(p[:, k] < t, 0.5 * p[:, k] / t,
                                        0.5 + 0.5 * (p[:, k] - t) / (1 - t))
        return out


def forward(x, w1, b1, w2, b2) -> tuple[np.ndarray, np.ndarray]:
    hidden = np.maximum(0.0, x @ w1 + b1)
    return hidden, _sigmoid(hidden @ w2 + b2)


class Batch:
    """Sentences prepared once (tokens, vectors, stance, rules, terms) for every head."""

    def __init__(self, texts: list[str], expects: list[frozenset[str]]):
        self.toks = [tokens(t) or [""] for t in texts]
        self.embeddings = embed(texts)
        self.expects = expects

    def __len__(self) -> int:
        return len(self.toks)

    def inputs(self, vocabulary: list[str], rule_items: list, ids: list[str],
               prototypes: np.ndarray) -> np.ndarray:
        """Sentence vector, stance flags, every item's phrase rules, the vocabulary's terms,
        then per head: does the question ask for it, and the vector's closeness to it."""
        before, ones, after = self.parts(vocabulary, rule_items, ids, prototypes)
        lexical = np.zeros((len(self), len(vocabulary)))
        for row, columns in enumerate(ones):
            lexical[row, columns] = 1.0
        return np.concatenate([before, lexical, after], axis=1)

    def parts(self, vocabulary: list[str], rule_items: list, ids: list[str],
              prototypes: np.ndarray) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
        """The inputs in three blocks: the dense columns before the vocabulary's, each
        sentence's vocabulary columns that are 1 (all others are 0), the dense columns after.
        Training keeps the middle block sparse: a sentence uses a few dozen of its terms."""
        index = {v: i for i, v in enumerate(vocabulary)}
        ones = [np.asarray(sorted(index[t] for t in features.terms(toks) if t in index),
                           dtype=np.int64) for toks in self.toks]
        flags = np.asarray([features.stance(t) for t in self.toks]).reshape(len(self), -1)
        rules = np.asarray([features.rule_columns(rule_items, t) for t in self.toks],
                           dtype=np.float64).reshape(len(self), -1)
        expects = np.asarray([[i in e for i in ids] for e in self.expects],
                             dtype=np.float64).reshape(len(self), len(ids))
        before = np.concatenate([self.embeddings, flags, rules], axis=1)
        after = np.concatenate([expects, self.embeddings @ prototypes.T], axis=1)
        return before, ones, after


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))

"""Retrain the answer heads from the sentence bank: `python -m grader.answers.train`.

Deterministic (zero start, full-batch steps, float64: no random state at all), so the
same bank gives the same heads.npz. Prints each head's precision and recall on the dev
split, which the heads never see; `--check` trains in memory and writes nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import sys

import numpy as np

from grader.answers import bank, features
from grader.answers.embedding import embed
from grader.answers.heads import FORMAT, Batch, Heads, head_items, heads_path, prototype_text
from grader.rubric import default_rubric

STEPS = 600
RATE = 0.05
L2 = 3e-3
THRESHOLD = 0.5


def fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression by Adam on the full batch. Positives are
    up-weighted towards balance (square root of the ratio) since most heads see few."""
    positives = max(1.0, y.sum())
    weight = np.where(y > 0, np.sqrt((len(y) - positives) / positives), 1.0)
    weight /= weight.mean()
    w, b = np.zeros(x.shape[1]), 0.0
    m, v = np.zeros(x.shape[1] + 1), np.zeros(x.shape[1] + 1)
    for step in range(1, STEPS + 1):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w + b, -40, 40)))
        error = weight * (p - y) / len(y)
        grad = np.concatenate([x.T @ error + L2 * w, [error.sum()]])
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad * grad
        update = RATE * (m / (1 - 0.9 ** step)) / (np.sqrt(v / (1 - 0.999 ** step)) + 1e-8)
        w -= update[:-1]
        b -= update[-1]
    return w, b


def labels(examples: list[bank.Example], head_id: str) -> np.ndarray:
    return np.asarray([head_id in e.credit or head_id in e.tells for e in examples], float)


def train(rubric) -> tuple[Heads, list[bank.Example]]:
    examples = bank.load("train", rubric)
    items = head_items(rubric)
    ids = sorted(items)
    batch = Batch([e.text for e in examples], [e.expects for e in examples])
    prototypes = embed([prototype_text(items[i]) for i in ids])
    weights, biases = [], []
    for row, head_id in enumerate(ids):
        w, b = fit(batch.design(items[head_id], prototypes[row]), labels(examples, head_id))
        weights.append(w)
        biases.append(b)
    digest = hashlib.sha256("\n".join(f"{e.question}\t{e.text}\t{sorted(e.credit)}\t"
                                      f"{sorted(e.tells)}" for e in examples).encode()).hexdigest()
    meta = {"format": FORMAT, "flags": list(features.FLAGS), "bank_sha256": digest,
            "sentences": len(examples), "threshold": THRESHOLD}
    return Heads(ids, np.stack(weights), np.asarray(biases), prototypes, meta), examples


def evaluate(heads: Heads, rubric, split: str = "dev") -> dict[str, tuple[int, int, int, float, float]]:
    """head -> (true positives, false positives, false negatives, precision, recall)."""
    examples = bank.load(split, rubric)
    batch = Batch([e.text for e in examples], [e.expects for e in examples])
    probabilities = heads.probabilities(batch, head_items(rubric))
    out = {}
    for head_id, p in probabilities.items():
        y = labels(examples, head_id) > 0
        said = p >= heads.meta["threshold"]
        tp, fp, fn = int((said & y).sum()), int((said & ~y).sum()), int((~said & y).sum())
        out[head_id] = (tp, fp, fn, tp / max(1, tp + fp), tp / max(1, tp + fn))
    return out


def table(scores: dict) -> str:
    lines = [f"{'head':28} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>10} {'recall':>7}"]
    for head_id, (tp, fp, fn, precision, recall) in sorted(scores.items()):
        lines.append(f"{head_id:28} {tp:4d} {fp:4d} {fn:4d} {precision:10.2f} {recall:7.2f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.answers.train")
    parser.add_argument("--check", action="store_true", help="train and measure, write nothing")
    args = parser.parse_args(argv)
    rubric = default_rubric()
    heads, examples = train(rubric)
    print(f"trained {len(heads.ids)} heads on {len(examples)} sentences")
    print(table(evaluate(heads, rubric, "dev")))
    if not args.check:
        heads.save(heads_path())
        print(f"wrote {heads_path()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

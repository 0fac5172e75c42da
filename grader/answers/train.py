"""Retrain the answer heads from the sentence bank: `python -m grader.answers.train`.

Deterministic (a seeded start, full-batch steps), so the same bank gives the same
heads.npz on the same machine. Prints each head's precision and recall on the dev
split, which the heads never see; `--check` trains in memory and writes nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import sys

import numpy as np

from grader.answers import bank, features
from grader.answers.design import Design
from grader.answers.embedding import embed
from grader.answers.heads import FORMAT, Batch, Heads, head_items, heads_path, prototype_text
from grader.rubric import default_rubric

HIDDEN = 64
STEPS = 800
RATE = 0.01
L2 = 1e-3
MIN_COUNT = 2
SEED = 0
FOLDS = 5
CONCEPT_BETA = 0.7
TELL_BETA = 0.5
CANDIDATES = tuple(round(0.2 + 0.05 * i, 2) for i in range(15))   # 0.2 .. 0.9


def fit(x: Design, y: np.ndarray) -> tuple[np.ndarray, ...]:
    """One hidden layer, all heads at once, Adam on the full batch, L2 on the weights.
    Each head's positives are weighted up to balance its negatives: most heads see few."""
    rng = np.random.default_rng(SEED)
    # float32 trains 2.7 times faster than float64 here and ends on the same verdicts
    y = y.astype(np.float32)
    params = [rng.normal(0, 1 / np.sqrt(x.columns), (x.columns, HIDDEN)), np.zeros(HIDDEN),
              rng.normal(0, 1 / np.sqrt(HIDDEN), (HIDDEN, y.shape[1])), np.zeros(y.shape[1])]
    params = [p.astype(np.float32) for p in params]
    share = np.clip(y.mean(axis=0), 1e-3, None)
    weight = np.where(y > 0, (1 - share) / share, 1.0).astype(np.float32)
    weight /= weight.mean(axis=0)
    moment = [np.zeros_like(p) for p in params]
    square = [np.zeros_like(p) for p in params]
    for step in range(1, STEPS + 1):
        w1, b1, w2, b2 = params
        hidden, p = predict(x, w1, b1, w2, b2)
        error = weight * (p - y) / len(y)
        back = (error @ w2.T) * (hidden > 0)
        grads = [x.transposed_times(back) + L2 * w1, back.sum(axis=0), hidden.T @ error + L2 * w2,
                 error.sum(axis=0)]
        for i, grad in enumerate(grads):
            moment[i] = 0.9 * moment[i] + 0.1 * grad
            square[i] = 0.999 * square[i] + 0.001 * grad * grad
            params[i] -= RATE * (moment[i] / (1 - 0.9 ** step)) / (
                np.sqrt(square[i] / (1 - 0.999 ** step)) + 1e-8)
    return tuple(params)


def predict(x: Design, w1, b1, w2, b2) -> tuple[np.ndarray, np.ndarray]:
    """heads.forward on sparse inputs."""
    hidden = np.maximum(0.0, x.times(w1) + b1)
    return hidden, 1.0 / (1.0 + np.exp(-np.clip(hidden @ w2 + b2, -40, 40)))


def labels(examples: list[bank.Example], head_id: str) -> np.ndarray:
    return np.asarray([head_id in e.credit or head_id in e.tells for e in examples], float)


def train(rubric) -> tuple[Heads, list[bank.Example]]:
    examples = bank.load("train", rubric)
    items = head_items(rubric)
    ids = sorted(items)
    batch = Batch([e.text for e in examples], [e.expects for e in examples])
    vocabulary = vocabulary_of(batch)
    prototypes = embed([prototype_text(items[i]) for i in ids])
    x = Design(*batch.parts(vocabulary, [items[i] for i in ids], ids, prototypes), len(vocabulary))
    y = np.stack([labels(examples, head_id) for head_id in ids], axis=1)
    w1, b1, w2, b2 = fit(x, y)
    thresholds = calibrate(x, y, [i in items and not hasattr(items[i], "explains") for i in ids])
    digest = bank_digest(examples)
    meta = {"format": FORMAT, "flags": list(features.FLAGS), "bank_sha256": digest,
            "sentences": len(examples),
            "settings": {"hidden": HIDDEN, "steps": STEPS, "rate": RATE, "l2": L2,
                         "min_count": MIN_COUNT, "seed": SEED, "folds": FOLDS,
                         "concept_beta": CONCEPT_BETA, "tell_beta": TELL_BETA}}
    return Heads(ids, w1, b1, w2, b2, prototypes, thresholds, vocabulary, meta), examples


def calibrate(x: Design, y: np.ndarray, is_tell: list[bool]) -> np.ndarray:
    return thresholds(out_of_fold(x, y), y, is_tell)


def out_of_fold(x: Design, y: np.ndarray) -> np.ndarray:
    """Each training sentence's probabilities from heads trained without it (FOLDS-fold,
    seeded split)."""
    order = np.random.default_rng(SEED).permutation(len(y))
    held = np.zeros_like(y)
    for fold in range(FOLDS):
        test = order[fold::FOLDS]
        train_rows = np.setdiff1d(order, test)
        params = fit(x.take(train_rows), y[train_rows])
        held[test] = predict(x.take(test), *params)[1]
    return held


def thresholds(held: np.ndarray, y: np.ndarray, is_tell: list[bool]) -> np.ndarray:
    """Each head's threshold, chosen on out-of-fold predictions of the training sentences,
    never on the dev split, to maximise F-beta. Concepts use CONCEPT_BETA (below 1 leans to
    precision: sentences from writers the bank has not seen are misread more often than
    held-out folds of the bank suggest); tells use TELL_BETA, leaning further, since a
    false tell costs the candidate a level."""
    out = []
    for k in range(y.shape[1]):
        beta = TELL_BETA if is_tell[k] else CONCEPT_BETA
        best = max(CANDIDATES, key=lambda t: (_f_beta(held[:, k] >= t, y[:, k] > 0, beta), -abs(t - 0.5)))
        out.append(best)
    return np.asarray(out)


def _f_beta(said: np.ndarray, truth: np.ndarray, beta: float) -> float:
    tp = float((said & truth).sum())
    precision, recall = tp / max(1.0, said.sum()), tp / max(1.0, truth.sum())
    if precision + recall == 0:
        return 0.0
    return (1 + beta ** 2) * precision * recall / (beta ** 2 * precision + recall)


def bank_digest(examples: list[bank.Example]) -> str:
    return hashlib.sha256("\n".join(f"{e.question}\t{e.text}\t{sorted(e.credit)}\t"
                                     f"{sorted(e.tells)}" for e in examples).encode()).hexdigest()


def vocabulary_of(batch: Batch) -> list[str]:
    """Terms in at least MIN_COUNT training sentences, sorted (so training is repeatable)."""
    counts: dict[str, int] = {}
    for toks in batch.toks:
        for term in features.terms(toks):
            counts[term] = counts.get(term, 0) + 1
    return sorted(t for t, n in counts.items() if n >= MIN_COUNT)


def verdicts(heads: Heads, rubric, examples: list[bank.Example]) -> list[set[str]]:
    """What the scorer itself says of each example (credits and tells), gates included.
    The examples under one question are scored in one batch: one answers file with a
    numbered heading per example, each heading asking that question."""
    from grader.answers.scoring import Question, score_answers
    out: list[set[str]] = [set() for _ in examples]
    by_question: dict[str, list[int]] = {}
    for index, e in enumerate(examples):
        by_question.setdefault(e.question, []).append(index)
    for question, indices in by_question.items():
        expects = tuple(examples[indices[0]].expects)
        text = "".join(f"## {n}. {question}\n\n{examples[i].text}\n\n"
                       for n, i in enumerate(indices, 1))
        specs = [Question(f"{question}#{n}", question, expects) for n in range(1, len(indices) + 1)]
        for answer, index in zip(score_answers(text, specs, rubric, heads), indices):
            out[index] = set(answer.concepts) | set(answer.tells)
    return out


def evaluate(heads: Heads, rubric, split: str = "dev",
             files: set[str] | None = None) -> dict[str, tuple[int, int, int, float, float]]:
    """head -> (true positives, false positives, false negatives, precision, recall), as
    the scorer judges the split's sentences (only those of `files`, when given)."""
    examples = [e for e in bank.load(split, rubric)
                if files is None or e.where.split(":")[0] in files]
    said = verdicts(heads, rubric, examples)
    out = {}
    for head_id in heads.ids:
        y = labels(examples, head_id) > 0
        got = np.asarray([head_id in s for s in said])
        tp, fp, fn = int((got & y).sum()), int((got & ~y).sum()), int((~got & y).sum())
        if tp + fp + fn:
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
    if args.check:
        committed = Heads.load(heads_path())
        same = committed.ids == heads.ids and committed.vocabulary == heads.vocabulary and all(
            np.allclose(getattr(committed, n), getattr(heads, n), atol=1e-5) for n in Heads.ARRAYS)
        print("the committed heads.npz is what this bank trains" if same else
              "the committed heads.npz differs from what this bank trains")
        return 0 if same else 1
    heads.save(heads_path())
    print(f"wrote {heads_path()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

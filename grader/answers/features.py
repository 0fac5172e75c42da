"""What the trained heads see of a sentence: its meaning (a sentence vector), how it is
said (stance flags: negated, hedged, a question, a warning, a mistake described, advice,
someone else's claim, a contrast, the original paper), what the rubric's phrase rules
found for the idea in question, and whether the question being answered asks for it.

Training (grader/answers/train.py) and scoring build their inputs with the same
functions here, so the two cannot drift apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from grader.answers.phrasing import Phrasing
from grader.answers.rules import best_match
from grader.answers.polarity import NEGATIONS, NOT_NEGATING_NEXT, hedged, negated, prose_problem

WORDS = {
    "mistake": {"mistake", "mistakes", "bug", "bugs", "wrong", "error", "errors", "pitfall",
                "myth", "misconception", "incorrect", "trap", "forget", "forgot", "forgetting",
                "forgets", "accidentally", "twice", "double", "classic", "culprit", "broken"},
    "warn": {"avoid", "never", "bad", "hurt", "hurts", "harm", "harms", "careful", "beware",
             "problem", "problems", "issue", "issues", "badly", "fight", "conflict", "worse",
             "dangerous", "breaks", "corrupt", "corrupts", "hurting", "stale"},
    "advice": {"should", "must", "always", "recommend", "need", "needs", "have", "want",
               "i", "we", "my", "add", "put", "use", "apply"},
    "others": {"people", "some", "many", "others", "beginners", "candidates", "folks", "claim",
               "claims", "think", "believe", "often", "common", "commonly", "say", "says",
               "told", "heard", "myth", "misconception"},
    "contrast": {"unlike", "whereas", "instead", "rather", "but", "however", "while",
                 "although", "though", "contrast"},
    "paper": {"paper", "original", "srivastava", "2014", "hinton", "old", "classic",
              "originally", "non"},
}
FLAGS = ("negation", "hedged", "question", "prose", *WORDS, "length")
RULES = ("asserted", "negated", "unless", "expects", "similarity")


def flag_names() -> tuple[str, ...]:
    return FLAGS


def stance(toks: list[str]) -> np.ndarray:
    """The sentence's stance flags, in FLAGS order."""
    words = set(toks)
    negation = any(t in NEGATIONS and not (i + 1 < len(toks) and toks[i + 1] in NOT_NEGATING_NEXT)
                   for i, t in enumerate(toks))
    values = [negation, hedged(toks), toks[-1:] == ["?"], not prose_problem(toks)]
    values += [bool(words & group) for group in WORDS.values()]
    count = sum(1 for t in toks if t[0].isalnum())
    values.append(math.log1p(count) / 4)
    return np.asarray(values, dtype=np.float64)


def rule_match(phrasings: tuple[Phrasing, ...], toks: list[str]) -> str | None:
    """asserted / negated / None, as the rubric's phrase rules read the sentence."""
    return best_match(phrasings, toks) if phrasings else None


@dataclass(frozen=True)
class HeadInput:
    """One head's rule inputs for one sentence."""
    asserted: bool
    negated: bool
    unless: bool
    expects: bool


def rule_inputs(item, toks: list[str], expects: bool) -> HeadInput:
    verdict = rule_match(item.phrasings, toks)
    unless = bool(getattr(item, "unless", ())) and rule_match(item.unless, toks) is not None
    return HeadInput(verdict == "asserted", verdict == "negated", unless, expects)


def vector(embedding: np.ndarray, flags: np.ndarray, rules: HeadInput,
           prototype: np.ndarray) -> np.ndarray:
    """The full input of one head for one sentence."""
    similarity = float(embedding @ prototype)
    tail = [rules.asserted, rules.negated, rules.unless, rules.expects, similarity]
    return np.concatenate([embedding, flags, np.asarray(tail, dtype=np.float64)])


def width() -> int:
    from grader.answers.embedding import DIM
    return DIM + len(FLAGS) + len(RULES)

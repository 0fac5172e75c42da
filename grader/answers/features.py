"""What the trained heads see of a sentence: its meaning (a sentence vector), how it is
said (stance flags: negated, hedged, a question, a warning, a mistake described, advice,
someone else's claim, a contrast, the original paper), what the rubric's phrase rules
found for the idea in question, and whether the question being answered asks for it.

Training (grader/answers/train.py) and scoring build their inputs with the same
functions here (through heads.Batch), so the two cannot drift apart.
"""

from __future__ import annotations

import math
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


def rule_columns(items: list, toks: list[str]) -> list[float]:
    """What the rubric's phrase rules say of the sentence, for every item (not only the
    head's own: "not the embeddings" matching the placement rule informs the wrong-place
    tell): asserted, negated, and whether an `unless` phrase (describing, not committing)
    is present. An item missing from the rubric gives zeros."""
    out = []
    for item in items:
        verdict = best_match(item.phrasings, toks) if item is not None and item.phrasings else None
        unless = item is not None and bool(getattr(item, "unless", ())) and \
            best_match(item.unless, toks) is not None
        out += [verdict == "asserted", verdict == "negated", unless]
    return out


STOP = {"the", "a", "an", "of", "to", "in", "is", "are", "it", "that", "this", "and", "on",
        "for", "be", "as", "by", "with", "at", "its"}


# Words people use for the same act in these answers. A sentence's terms include each
# word's class as well as the word: the bank teaches "prevents co-adaptation" and a
# candidate writes "blocks co-adaptation", so the pair "prevent co" must fire for both.
# Only verbs and nouns whose sense does not flip a claim are grouped (never multiply with
# divide, never train with test).
SENSES = {
    "prevent": "prevent prevents prevented preventing stop stops stopped stopping block blocks "
               "blocked blocking discourage discourages discouraged discouraging avoid avoids "
               "avoided avoiding suppress suppresses suppressed suppressing inhibit inhibits "
               "inhibited hinder hinders hindered kill kills killed killing deter deters "
               "precludes preclude eliminate eliminates eliminated forbid forbids",
    "reduce": "reduce reduces reduced reducing reduction cut cuts cutting lower lowers lowered "
              "lowering decrease decreases decreased decreasing lessen lessens diminish "
              "diminishes mitigate mitigates mitigated combat combats combating combatting "
              "tame tames tamed curb curbs curbed counter counters counteract counteracts "
              "alleviate alleviates limit limits limited limiting minimise minimises minimize "
              "minimizes narrow narrows narrowed narrowing shrinks",
    "drop": "drop drops dropped dropping zero zeros zeroes zeroed zeroing omit omits omitted "
            "omitting remove removes removed removing silence silences silenced silencing "
            "disable disables disabled disabling deactivate deactivates deactivated mute mutes "
            "muted muting knock knocks knocked blank blanks blanked discard discards discarded "
            "delete deletes deleted",
    "random": "random randomly stochastic stochastically probabilistic probabilistically "
              "bernoulli",
    "unit": "unit units neuron neurons node nodes",
    "overfit": "overfit overfits overfitted overfitting memorise memorises memorised memorising "
               "memorize memorizes memorized memorizing memorisation memorization",
    "generalise": "generalise generalises generalised generalising generalize generalizes "
                  "generalized generalizing generalisation generalization",
    "regularise": "regularise regularises regularised regularising regularize regularizes "
                  "regularized regularizing regulariser regularizer regularisers regularizers "
                  "regularisation regularization",
    "normalise": "normalise normalises normalised normalising normalize normalizes normalized "
                 "normalizing normalisation normalization",
    "inference": "inference serving serve serves deployment deploy deployed",
}
SENSE = {word: sense for sense, words in SENSES.items() for word in words.split()}


def terms(toks: list[str]) -> set[str]:
    """Words (a crude stem: plural and -ing/-ed endings cut) and adjacent word pairs, for
    the words as written and for their senses (SENSES)."""
    kept = [t for t in toks if t[0].isalnum() and t not in STOP]
    words = [_stem(t) for t in kept]
    senses = [_stem(SENSE.get(t, t)) for t in kept]
    out = set(words) | {f"{a} {b}" for a, b in zip(words, words[1:])}
    if senses != words:
        out |= set(senses) | {f"{a} {b}" for a, b in zip(senses, senses[1:])}
    return out


def _stem(word: str) -> str:
    for ending in ("ing", "ed", "es", "s"):
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            return word[:-len(ending)]
    return word

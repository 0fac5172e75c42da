"""The rubric's phrase rules applied to a sentence: matched and asserted, matched only
negated, or not matched. Both the rule-only scorer and the trained heads' inputs use it."""

from __future__ import annotations

from grader.answers.phrasing import Phrasing
from grader.answers.polarity import negated


def best_match(phrasings: tuple[Phrasing, ...], toks: list[str]) -> str | None:
    """asserted if some phrasing matches with no term negated; negated if one matches only
    with a negated term; None if none matches at all."""
    verdict = None
    for phrasing in phrasings:
        result = match(phrasing, toks)
        if result == "asserted":
            return result
        verdict = verdict or result
    return verdict


def match(phrasing: Phrasing, toks: list[str]) -> str | None:
    found = [term.spans(toks) for term in phrasing.terms]
    if not all(found):
        return None
    own = frozenset(i for spans in found for low, high in spans for i in range(low, high + 1))
    negated_terms = [all(negated(toks, span, own) for span in spans) for spans in found]
    return "negated" if any(negated_terms) else "asserted"

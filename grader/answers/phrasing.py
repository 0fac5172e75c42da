"""Phrasings: the small pattern language rubric.yaml uses to say what earns a concept.

    "prevent* | stop* | reduc* + co-adapt* | rely on each other"

A phrasing is terms joined by ` + `; every term must occur in the same sentence, in any
order. A term is alternatives joined by ` | `; an alternative is one or more words that
must appear in that order, with at most one other word between neighbours ("not rely"
also matches "not to rely"). A word matches itself and its plural (-s, -es); a trailing
`*` matches any ending. Formulas are words too: `1/(1-p)`, `1-p`, `model.eval()`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from grader.answers.text import tokens

GAP = 1                     # other words allowed between two words of one alternative
PUNCTUATION = set(",;:()?!")


class PhrasingError(ValueError):
    pass


@dataclass(frozen=True)
class Alternative:
    words: tuple[re.Pattern, ...]

    def spans(self, toks: list[str]) -> list[tuple[int, int]]:
        found = []
        for first, token in enumerate(toks):
            if not self.words[0].match(token):
                continue
            at, ok = first, True
            for word in self.words[1:]:
                step = next((j for j in range(at + 1, min(len(toks), at + 2 + GAP))
                             if word.match(toks[j])), None)
                if step is None or any(t in PUNCTUATION for t in toks[at + 1:step]):
                    ok = False
                    break
                at = step
            if ok:
                found.append((first, at))
        return found


@dataclass(frozen=True)
class Term:
    alternatives: tuple[Alternative, ...]

    def spans(self, toks: list[str]) -> list[tuple[int, int]]:
        return [span for alt in self.alternatives for span in alt.spans(toks)]


@dataclass(frozen=True)
class Phrasing:
    source: str
    terms: tuple[Term, ...]


def compile_phrasing(source: str) -> Phrasing:
    terms = []
    for term_text in source.split("+"):
        alternatives = []
        for alt_text in term_text.split("|"):
            words = _words(alt_text)
            if not words:
                raise PhrasingError(f"empty alternative in '{source}'")
            alternatives.append(Alternative(tuple(words)))
        terms.append(Term(tuple(alternatives)))
    return Phrasing(source, tuple(terms))


def _words(text: str) -> list[re.Pattern]:
    out = []
    for raw in text.split():
        star = raw.endswith("*")
        parts = tokens(raw.rstrip("*"))
        if not parts:
            raise PhrasingError(f"'{raw}' has no word in it")
        for index, part in enumerate(parts):
            ending = r"\w*" if star and index == len(parts) - 1 else r"(?:s|es)?"
            out.append(re.compile(re.escape(part) + ending + r"\Z"))
    return out

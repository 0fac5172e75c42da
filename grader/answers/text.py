"""From an answers file to questions, sentences and tokens.

Everything here is plain string work: no model, no network, the same output for the same
text. Sentences keep their character span in the file so reports can highlight them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HEADING = re.compile(r"^(#{1,3})\s+(.*?)\s*#*\s*$", re.MULTILINE)
NUMBERED = re.compile(r"^(?:q(?:uestion)?\s*)?(\d+)\s*[.):-]\s*", re.IGNORECASE)
BULLET = re.compile(r"^[ \t]*(?:[-*+•]|\d+[.)])[ \t]+")
# A full stop ends a sentence unless it belongs to one of these or sits inside a number.
ABBREVIATIONS = {"e.g", "i.e", "etc", "vs", "cf", "al", "fig", "eq", "approx", "resp", "w.p",
                 "w.r.t", "a.k.a"}
SENTENCE_END = re.compile(r"[.!?]+(?=[\s\"')\]]|$)")


@dataclass(frozen=True)
class Section:
    number: int | None       # "## 2. Where does ..." -> 2
    heading: str
    body: str
    start: int               # offset of body in the file


@dataclass(frozen=True)
class Sentence:
    text: str                # as written (markdown markers stripped at the ends)
    start: int               # offsets in the whole file
    end: int
    bullet: bool = False


def sections(markdown: str) -> list[Section]:
    """Second- and third-level headings start a question; the file's title (#) does not."""
    found = []
    marks = [m for m in HEADING.finditer(markdown) if len(m.group(1)) >= 2]
    for index, match in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(markdown)
        heading = match.group(2).strip()
        number = NUMBERED.match(heading)
        found.append(Section(int(number.group(1)) if number else None, heading,
                             markdown[match.end():end], match.end()))
    return found


def sentences(body: str, offset: int = 0) -> list[Sentence]:
    """Split a section into sentences: at . ! ? (not in e.g., 0.5, model.eval()), at blank
    lines and at each bullet, so a list item is judged on its own."""
    out: list[Sentence] = []
    position = 0
    for block in re.split(r"(\n[ \t]*\n|\n(?=[ \t]*(?:[-*+•]|\d+[.)])[ \t]))", body):
        start = position
        position += len(block)
        if not block.strip() or block.startswith("\n") and not block.strip():
            continue
        bullet = bool(BULLET.match(block.lstrip("\n")))
        last = 0
        for stop in sorted(_stops(block) + _note_breaks(block)):
            _add(out, block, last, stop, start + offset, bullet)
            last = stop
        _add(out, block, last, len(block), start + offset, bullet)
    return out


def _stops(block: str) -> list[int]:
    found = []
    for stop in SENTENCE_END.finditer(block):
        # the whole last word must be the abbreviation: "normal." and "optimal." end sentences
        before = block[max(0, stop.start() - 12):stop.start()].lower().rsplit(None, 1)[-1:]
        if stop.group().startswith(".") and before and before[0].lstrip("(") in ABBREVIATIONS:
            continue
        found.append(stop.end())
    return found


CONTINUES = re.compile(r"(?:[,;:(\-–—/&+]|\b(?:and|or|but|the|an|of|to|in|on|for|with|by|"
                       r"that|which|because|so|is|are|as|than|at|from|into|its|their))\s*$",
                       re.IGNORECASE)
NOTE_START = re.compile(r"\s*(?:[A-Z]|->|=>|→|~|\d+[.)]?\s)")


def _note_breaks(block: str) -> list[int]:
    """Notes written line by line without full stops: a line that does not end in
    punctuation or a joining word is its own sentence when the next line starts a new one
    (a capital, an arrow), or when the whole block has no full stop at all. A wrapped
    paragraph (next line continues in lower case) stays one sentence."""
    lines = block.split("\n")
    if len(lines) < 2:
        return []
    unpunctuated = not re.search(r"[.!?](?:\s|$)", block)
    breaks, position = [], 0
    for line, following in zip(lines, lines[1:]):
        position += len(line) + 1
        text = line.rstrip()
        if not text.strip() or re.search(r"[.!?]$", text) or CONTINUES.search(text):
            continue
        if unpunctuated or NOTE_START.match(following):
            breaks.append(position - 1)
    return breaks


def _add(out: list[Sentence], block: str, low: int, high: int, base: int, bullet: bool) -> None:
    piece = block[low:high]
    stripped = BULLET.sub("", piece.strip(), count=1).strip(" \t\n*_>`")
    if not re.search(r"[A-Za-z]", stripped):  # a stray number or rule line
        return
    at = piece.find(stripped)  # a contiguous slice of piece, so always found
    out.append(Sentence(stripped, base + low + at, base + low + at + len(stripped), bullet))


# -- tokens ---------------------------------------------------------------------------

_FORMULAS = [
    (re.compile(r"->|=>|→|⇒"), " so "),     # notes: "dropout -> less co-adaptation"
    # A spaced "=", "≈" or "~" in notes relates two things ("every mask = a subnet");
    # "p=0.5" and "x == y" stay as they are.
    (re.compile(r"(?<=\s)(?:=|≈|~)(?=\s)"), " is "),
    (re.compile(r"\bb/c\b"), " because "),
    (re.compile(r"\bw/o\b"), " without "),
    (re.compile(r"\bw/(?=\s)"), " with "),
    (re.compile(r"1\s*/\s*\(\s*1\s*[-−–]\s*p\s*\)"), " inv_keep "),
    (re.compile(r"\(\s*1\s*[-−–]\s*p\s*\)|\b1\s*[-−–]\s*p\b"), " keep_prob "),
    (re.compile(r"\b([a-z_]+)\.([a-z_]+)\(\s*\)"), r" \1.\2 "),
]
_CONTRACTIONS = [
    (re.compile(r"\bcan'?t\b|\bcannot\b"), "can not"),
    (re.compile(r"\bwon'?t\b"), "will not"),
    (re.compile(r"\bshan'?t\b"), "shall not"),
    (re.compile(r"n't\b"), " not"),
    (re.compile(r"'(re|ve|ll|d|m|s)\b"), r" \1"),
]
TOKEN = re.compile(r"[a-z0-9_]+(?:\.[a-z_]+)?|[,;:()?!]")


def normalise(text: str) -> str:
    text = text.lower().replace("’", "'").replace("‘", "'")
    for pattern, repl in _FORMULAS + _CONTRACTIONS:
        text = pattern.sub(repl, text)
    return text


def tokens(text: str) -> list[str]:
    """Lowercase words (hyphenated words split), formulas as single tokens
    (1/(1-p) -> inv_keep, 1-p -> keep_prob), calls as name.attr, and clause punctuation."""
    return TOKEN.findall(normalise(text).replace("-", " "))

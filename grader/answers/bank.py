"""The labelled sentence bank (answer_model/bank/): what the heads learn from (train/)
and are measured on (dev/, never trained on).

Each file is a YAML list of sentences:

    - q: why-dropout/why          # the question it answers: drill/question id
      kind: paraphrase            # how it is written (plain, negation, note, ...)
      text: "During training we randomly omit a fraction of hidden units."
      credit: [mechanism]         # every concept it earns
      tells: []                   # every wrong claim the writer commits to
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from grader.paths import answer_model_dir

SPLITS = ("train", "dev")


@dataclass(frozen=True)
class Example:
    text: str
    question: str       # drill/question
    expects: frozenset[str]
    credit: frozenset[str]
    tells: frozenset[str]
    kind: str
    where: str          # file:index, for messages


class BankError(ValueError):
    pass


def load(split: str, rubric, questions: dict[str, tuple[str, ...]] | None = None) -> list[Example]:
    """`questions`: drill/question -> the concepts it expects (default: the catalogue's)."""
    questions = questions if questions is not None else catalogue_questions()
    known = set(rubric.concepts) | {t.id for t in rubric.tells.values() if t.phrasings}
    out = []
    for path in sorted((answer_model_dir() / "bank" / split).glob("*.yaml")):
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        for index, entry in enumerate(entries):
            where = f"{path.name}:{index}"
            if not isinstance(entry, dict) or not isinstance(entry.get("text"), str):
                raise BankError(f"{where}: needs a text")
            labels = set(entry.get("credit") or []) | set(entry.get("tells") or [])
            if labels - known:
                raise BankError(f"{where}: unknown ids {sorted(labels - known)}")
            question = str(entry.get("q", ""))
            if question not in questions:
                raise BankError(f"{where}: unknown question {question!r}")
            out.append(Example(entry["text"], question, frozenset(questions[question]),
                               frozenset(entry.get("credit") or []),
                               frozenset(entry.get("tells") or []),
                               str(entry.get("kind", "")), where))
    return out


def catalogue_questions() -> dict[str, tuple[str, ...]]:
    from grader import catalog
    out = {}
    for drill_id in catalog.drill_ids():
        for question in catalog.load_drill(drill_id).questions:
            out[f"{drill_id}/{question.id}"] = tuple(question.expects)
    return out

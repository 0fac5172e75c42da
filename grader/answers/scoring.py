"""Score an answers file: per question, the concepts credited and the tells found, each
with the sentence that earned it, and the near misses (negated, hedged, not a sentence)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from grader.answers.phrasing import Phrasing
from grader.answers.polarity import hedged, negated, prose_problem
from grader.answers.text import Section, Sentence, sections, sentences, tokens
from grader.catalog import QuestionSpec as Question  # a drill.yaml question: id, title, expects

COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
KEYWORD_LIST_MIN = 2    # list-like sentences that name a concept before it counts as a tell


@dataclass
class Finding:
    kind: str           # concept | tell | uncredited
    id: str
    title: str
    quote: str
    start: int          # offsets in the answers file, for highlighting
    end: int
    reason: str = ""    # uncredited: why it earned nothing; tell: why it costs a level


@dataclass
class Answer:
    id: str
    title: str
    status: str                     # answered | unanswered
    concepts: list[str] = field(default_factory=list)
    tells: list[str] = field(default_factory=list)
    expects: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    start: int = 0                  # the answer's text: file[start:end]
    end: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


def score_answers(markdown: str, questions: list[Question], rubric) -> list[Answer]:
    bodies = _bodies(markdown, questions)
    answers = []
    for question in questions:
        body = bodies.get(question.id)
        answer = Answer(question.id, question.title, "unanswered", expects=list(question.expects))
        if body is not None:
            answer.start, answer.end = body.start, body.start + len(body.body)
            text = COMMENT.sub(lambda m: " " * len(m.group()), body.body)
            found = sentences(text, body.start)
            if found:
                answer.status = "answered"
                for sentence in found:
                    _judge(sentence, rubric, answer)
        answers.append(answer)
    _structural_tells(answers, rubric)
    return answers


def credited(answers) -> set[str]:
    """Concepts credited anywhere: takes Answers or a report's answer dicts."""
    return {concept for answer in answers for concept in _field(answer, "concepts")}


def tells_found(answers) -> list[str]:
    """Tells found, first occurrence first: takes Answers or a report's answer dicts."""
    return list(dict.fromkeys(t for answer in answers for t in _field(answer, "tells")))


def _field(answer, name: str) -> list[str]:
    return answer.get(name, []) if isinstance(answer, dict) else getattr(answer, name)


def _bodies(markdown: str, questions: list[Question]) -> dict[str, Section]:
    """Questions are found by their number ("## 2. ..."), else by order. A single-question
    drill also accepts an answer written with its heading deleted."""
    found = sections(markdown)
    by_id: dict[str, Section] = {}
    unnumbered = [s for s in found if s.number is None]
    for section in found:
        if section.number is not None and 1 <= section.number <= len(questions):
            by_id.setdefault(questions[section.number - 1].id, section)
    for question, section in zip([q for q in questions if q.id not in by_id], unnumbered):
        by_id[question.id] = section
    if not found and len(questions) == 1:
        title = re.match(r"\s*#[^\n]*\n?", markdown)
        offset = title.end() if title else 0
        by_id[questions[0].id] = Section(1, questions[0].title, markdown[offset:], offset)
    return by_id


def _judge(sentence: Sentence, rubric, answer: Answer) -> None:
    toks = tokens(sentence.text)
    problem = prose_problem(toks)
    unsure = hedged(toks)

    def note(kind: str, item, reason: str = "") -> None:
        answer.findings.append(Finding(kind, item.id, item.title, sentence.text,
                                       sentence.start, sentence.end, reason))

    for concept in rubric.concepts.values():
        verdict = _best(concept.phrasings, toks)
        if verdict is None or concept.id in answer.concepts:
            continue
        if verdict == "negated":
            note("uncredited", concept, "negated: the sentence says it is not so")
        elif problem:
            note("uncredited", concept, problem)
        elif unsure:
            note("uncredited", concept, "hedged: say it as a statement to earn it")
        else:
            answer.concepts.append(concept.id)
            note("concept", concept)
    if problem or toks[-1:] == ["?"]:
        return  # a tell needs a statement: not a fragment, not a question
    for tell in rubric.tells.values():
        if tell.id in answer.tells or not tell.phrasings:
            continue
        if _best(tell.phrasings, toks) == "asserted" and _best(tell.unless, toks) is None:
            answer.tells.append(tell.id)
            note("tell", tell, _advice(tell))


def _best(phrasings: tuple[Phrasing, ...], toks: list[str]) -> str | None:
    """asserted if some phrasing matches with no term negated; negated if one matches only
    with a negated term; None if none matches at all."""
    verdict = None
    for phrasing in phrasings:
        result = _match(phrasing, toks)
        if result == "asserted":
            return result
        verdict = verdict or result
    return verdict


def _match(phrasing: Phrasing, toks: list[str]) -> str | None:
    found = [term.spans(toks) for term in phrasing.terms]
    if not all(found):
        return None
    own = frozenset(i for spans in found for low, high in spans for i in range(low, high + 1))
    negated_terms = [all(negated(toks, span, own) for span in spans) for spans in found]
    return "negated" if any(negated_terms) else "asserted"


def _structural_tells(answers: list[Answer], rubric) -> None:
    for tell in rubric.tells.values():
        if tell.detect == "keyword-list":
            listed = [(a, f) for a in answers for f in a.findings
                      if f.kind == "uncredited" and "not a sentence" in f.reason]
            if len({f.start for _, f in listed}) >= KEYWORD_LIST_MIN:
                _add_tell(*listed[0], tell)
        elif tell.detect == "only-overfitting":
            if credited(answers) == {"overfitting"}:
                answer = next(a for a in answers if "overfitting" in a.concepts)
                _add_tell(answer, next(f for f in answer.findings if f.id == "overfitting"), tell)


def _add_tell(answer: Answer, where: Finding, tell) -> None:
    """A structural tell, quoted with the sentence of the finding that revealed it."""
    answer.tells.append(tell.id)
    answer.findings.append(Finding("tell", tell.id, tell.title, where.quote, where.start,
                                   where.end, _advice(tell)))


def _advice(tell) -> str:
    return f"{tell.why} Instead: {tell.instead}"

"""Score an answers file: per question, the concepts credited and the tells found, each
with the sentence that earned it, and the near misses (negated, hedged, not a sentence)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from grader.answers.phrasing import Phrasing
from grader.answers.polarity import hedged, prose_problem
from grader.answers.rules import best_match as _best
from grader.answers.text import Section, Sentence, sections, sentences, tokens
from grader.catalog import QuestionSpec as Question  # a drill.yaml question: id, title, expects

COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
KEYWORD_LIST_MIN = 2    # list-like sentences that name a concept before it counts as a tell
CREDIT = 0.5            # a head's probability that earns the credit (or raises the tell)
TELL = 0.5              # (each head's probabilities are calibrated so its threshold is 0.5)
RULE_SUPPORT = 0.35      # with the phrase rule asserting it, this much of the model is enough
RULE_DOUBT = 0.75       # with the phrase rule reading it as negated, the model must be this sure
NEAR = 0.25             # below CREDIT but above this: reported as a near miss
MAX_SENTENCES = 400     # per answer: an answers file is bounded before it is scored
CLAUSE_MARGIN = 0.1     # a clause read alone must clear the bar by this much more


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


def score_answers(markdown: str, questions: list[Question], rubric, heads=None) -> list[Answer]:
    """`heads`: the trained heads (heads.Heads); None judges by the phrase rules alone."""
    bodies = _bodies(markdown, questions)
    answers, todo = [], []
    for question in questions:
        body = bodies.get(question.id)
        answer = Answer(question.id, question.title, "unanswered", expects=list(question.expects))
        if body is not None:
            answer.start, answer.end = body.start, body.start + len(body.body)
            text = COMMENT.sub(lambda m: " " * len(m.group()), body.body)
            found = sentences(text, body.start)[:MAX_SENTENCES]
            if found:
                answer.status = "answered"
                todo += [(answer, sentence) for sentence in found]
        answers.append(answer)
    judged = _heads_say(heads, rubric, todo) if heads is not None else [None] * len(todo)
    for (answer, sentence), said in zip(todo, judged):
        _judge(sentence, rubric, answer, said)
    _structural_tells(answers, rubric)
    return answers


def _heads_say(heads, rubric, todo) -> list[dict[str, float]]:
    """Each sentence's probability per head, all sentences of the file in one batch. A
    long sentence carrying several ideas is also read clause by clause (a head learned
    from one-idea sentences), and each head keeps its highest reading."""
    from grader.answers.heads import Batch, head_items
    if not todo:
        return []
    texts, owner, expects, margin, reported = [], [], [], [], []
    for index, (answer, sentence) in enumerate(todo):
        parts = clauses(sentence.text)
        disowned = _reported_then_denied(parts)
        for part, piece in enumerate([sentence.text] + parts):
            texts.append(piece)
            owner.append(index)
            expects.append(frozenset(answer.expects))
            margin.append(CLAUSE_MARGIN if part else 0.0)
            # the whole sentence and the reported clause are someone else's claim
            reported.append(disowned and part <= 1)
    probabilities = heads.probabilities(Batch(texts, expects), head_items(rubric))
    tells = {t.id for t in rubric.tells.values()}
    out: list[dict[str, float]] = [{} for _ in todo]
    located: list[dict[str, float]] = [{} for _ in todo]   # a tell's best clause, unmargined
    for row, index in enumerate(owner):
        for head_id, p in probabilities.items():
            if margin[row] and head_id in tells:
                located[index][head_id] = max(located[index].get(head_id, 0.0), float(p[row]))
            if reported[row] and head_id in tells:
                continue
            out[index][head_id] = max(out[index].get(head_id, 0.0), float(p[row]) - margin[row])
    # A wrong claim the writer commits to sits in one of the sentence's clauses. When none
    # of them reads as even close to it, the whole sentence's reading is words that
    # co-occur across clauses ("keep it out of ...: the embeddings and the norms").
    for index, best in enumerate(located):
        for head_id, p in best.items():
            if p < NEAR and head_id in out[index]:
                out[index][head_id] = min(out[index][head_id], p)
    return out


REPORTED = re.compile(r"\b(?:some|many|most|people|others|folks|beginners|candidates|tutorials|"
                      r"posts|textbooks?|colleagues?|a colleague|the paper|they)\b.{0,40}?\b(?:claims?|"
                      r"says?|said|think|thinks|believe|believes|argue|argues|insist|insists|"
                      r"insisted|suggests?|recommends?|describe|describes|call|calls)\b",
                      re.IGNORECASE)
DENIAL = re.compile(r"^(?:but|however|though|although|yet)\b", re.IGNORECASE)


def _reported_then_denied(parts: list[str]) -> bool:
    """'Some people claim X, but ...': the writer reports X and answers it, so a tell is
    judged on what follows the contrast, never on X (credit is still read everywhere: the
    gates and the heads see the reporting words)."""
    return len(parts) >= 2 and bool(REPORTED.search(parts[0])) and bool(DENIAL.match(parts[1]))


CLAUSE_BREAK = re.compile(r"\s*;\s*|:\s+(?=\S+(?:\s+\S+){3})|,\s+(?=(?:and|but|so|while|whereas|"
                          r"which|because|since|although|though)\b)", re.IGNORECASE)


def clauses(text: str) -> list[str]:
    """A sentence's clauses of four words or more, when it has more than one."""
    parts = [p.strip() for p in CLAUSE_BREAK.split(text) if len(p.split()) >= 4]
    return parts if len(parts) > 1 else []


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


def _judge(sentence: Sentence, rubric, answer: Answer, said: dict[str, float] | None) -> None:
    """said: the heads' probabilities for this sentence; an item without a head (a concept
    added to the rubric after training) is judged by its phrase rules."""
    toks = tokens(sentence.text)
    problem = prose_problem(toks)
    unsure = hedged(toks)
    said = said or {}

    def note(kind: str, item, reason: str = "") -> None:
        answer.findings.append(Finding(kind, item.id, item.title, sentence.text,
                                       sentence.start, sentence.end, reason))

    for concept in rubric.concepts.values():
        if concept.id in answer.concepts:
            continue
        verdict = _best(concept.phrasings, toks)
        if concept.id in said:
            p = said[concept.id]
            if p < NEAR and verdict is None:
                continue
            # The model decides; the rubric's phrase rule moves the bar: down when it reads
            # the claim as asserted, up when it reads it as negated. Each covers the other's
            # blind spot (words that co-occur without the claim; a plain wording the bank
            # missed; a negation the vector cannot see).
            bar = RULE_SUPPORT if verdict == "asserted" else RULE_DOUBT if verdict == "negated" \
                else CREDIT
            if p >= bar:
                verdict = "asserted"
            elif verdict == "negated" or (verdict is None and p >= NEAR and "not" in toks):
                verdict = "negated"
            else:
                verdict = "vague"
        elif verdict is None:
            continue
        if verdict == "negated":
            note("uncredited", concept, "negated: the sentence says it is not so")
        elif problem:
            note("uncredited", concept, problem)
        elif unsure:
            note("uncredited", concept, "hedged: say it as a statement to earn it")
        elif verdict == "vague":
            note("uncredited", concept, "close, but the sentence does not say it outright")
        else:
            answer.concepts.append(concept.id)
            note("concept", concept)
    if problem:
        return  # a tell needs a statement or a question, not a fragment
    question = toks[-1:] == ["?"]
    for tell in rubric.tells.values():
        if tell.id in answer.tells or not tell.phrasings or (question and not tell.asked):
            continue  # a question commits to nothing, unless it is itself the doubt
        if tell.id in said:
            # the rubric's `unless` words (a mistake named, a warning) raise the bar as a
            # negation does for a concept: "dropout on every layer is a bad idea" warns
            doubt = bool(tell.unless) and _best(tell.unless, toks) is not None
            committed = said[tell.id] >= (RULE_DOUBT if doubt else TELL)
        else:
            committed = _best(tell.phrasings, toks) == "asserted" and _best(tell.unless, toks) is None
        if committed:
            answer.tells.append(tell.id)
            note("tell", tell, _advice(tell))


def _structural_tells(answers: list[Answer], rubric) -> None:
    for tell in rubric.tells.values():
        if tell.detect == "keyword-list":
            listed = [(a, f) for a in answers for f in a.findings
                      if f.kind == "uncredited" and "not a sentence" in f.reason]
            said = {f.start for a in answers for f in a.findings if f.kind == "concept"}
            # Terms named without saying how they connect: lists are most of what earned
            # anything. Two terse bullets in an answer explained in sentences are not that.
            count = len({f.start for _, f in listed})
            if count >= KEYWORD_LIST_MIN and count >= len(said):
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

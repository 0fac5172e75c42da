"""The answer scorer against a labelled corpus (tests/answers/corpus.yaml): every answer
lands at its labelled level with exactly its labelled tells, the traps (negated, hedged,
keyword lists) earn nothing, and the confusion matrix is printed."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from grader import catalog
from grader.answers.scoring import Question, credited, score_answers, tells_found
from grader.leveling import answers_level
from grader.levels import LEVELS
from grader.rubric import default_rubric

CORPUS = yaml.safe_load((Path(__file__).parent / "answers" / "corpus.yaml").read_text())


def _questions(drill_id: str) -> list[Question]:
    drill = catalog.load_drill(drill_id)
    return [Question(q.id, q.title, q.expects) for q in drill.questions]


def _text(entry: dict) -> str:
    """One-question drills: the answer under the handout's heading."""
    questions = _questions(entry["drill"])
    if len(questions) == 1:
        return f"# Answer\n\n## {questions[0].title}\n\n" + entry["text"]
    return entry["text"]


def place(entry: dict):
    rubric = default_rubric()
    drill = catalog.load_drill(entry["drill"])
    answers = score_answers(_text(entry), _questions(entry["drill"]), rubric)
    return answers, answers_level(credited(answers), tells_found(answers), rubric, drill.levels)


def test_corpus_is_big_and_covers_every_level():
    assert len(CORPUS) >= 30
    assert {e["level"] for e in CORPUS} == set(LEVELS)
    assert len({e["id"] for e in CORPUS}) == len(CORPUS)
    drills = [d for d in catalog.drill_ids() if catalog.load_drill(d).questions]
    assert {e["drill"] for e in CORPUS} == set(drills)  # every drill's questions


@pytest.mark.parametrize("entry", CORPUS, ids=[e["id"] for e in CORPUS])
def test_answer_lands_at_its_level(entry):
    answers, estimate = place(entry)
    got = credited(answers)
    assert estimate.level == entry["level"], (sorted(got), estimate.reasons)
    assert sorted(tells_found(answers)) == sorted(entry.get("tells", []))
    trapped = got.intersection(entry.get("not_credited", []))
    assert not trapped, f"credited {trapped} from a negated, hedged or listed mention"


def test_confusion_matrix(capsys):
    matrix = {(want, got): 0 for want in LEVELS for got in LEVELS}
    for entry in CORPUS:
        matrix[(entry["level"], place(entry)[1].level)] += 1
    width = max(map(len, LEVELS)) + 2
    lines = ["labelled \\ placed".ljust(18) + "".join(l.rjust(width) for l in LEVELS)]
    for want in LEVELS:
        lines.append(want.ljust(18) + "".join(str(matrix[(want, got)]).rjust(width)
                                              for got in LEVELS))
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    off_diagonal = sum(n for (want, got), n in matrix.items() if want != got)
    assert off_diagonal == 0


def test_every_credit_and_tell_quotes_its_sentence():
    entry = next(e for e in CORPUS if e["id"] == "d-L6-full")
    text = _text(entry)
    answers, _ = place(entry)
    for answer in answers:
        for finding in answer.findings:
            assert text[finding.start:finding.end] == finding.quote
            assert finding.start >= answer.start and finding.end <= answer.end


def test_unanswered_questions_are_reported_as_such():
    entry = next(e for e in CORPUS if e["id"] == "d-L4-brief")
    answers, _ = place(entry)
    status = {a.id: a.status for a in answers}
    assert status == {"benefit": "answered", "scaling": "answered", "common-bug": "answered",
                      "when-not": "unanswered", "follow-ups": "unanswered"}


def test_scoring_is_deterministic():
    entry = next(e for e in CORPUS if e["id"] == "w-L6-full")
    first = [a.to_dict() for a in place(entry)[0]]
    assert all([a.to_dict() for a in place(entry)[0]] == first for _ in range(3))


# Single sentences found while probing the scorer with phrasings the corpus did not use.
SENTENCES = [
    ("Adding dropout to every layer is a bad idea.", set(), set()),
    ("Some people claim dropout adds capacity, but it actually removes it.", set(), set()),
    ("With the original formulation you multiply by the keep probability at test time.", set(), set()),
    ("Each unit must learn to be useful without relying on other units.", {"co-adaptation"}, set()),
    ("Running several stochastic forward passes at test time gives a distribution of "
     "predictions, which estimates uncertainty.", {"bayesian-mc"}, set()),
    ("Batch norm and dropout can conflict because the variance seen by batch norm differs "
     "between training and test.", {"batchnorm-shift", "dropout-variance"}, set()),
    ("I would put dropout between the conv layer and the batch norm.", set(), {"dropout-wrong-place"}),
    ("You should always add dropout, it always helps.", set(), {"always-useful"}),
    ("Larger models with more parameters overfit more, which is where dropout helps.", set(), set()),
    ("Should you scale at test time? Only with the original formulation.", set(), set()),
    ("Never put dropout right before a batch norm layer.", {"bn-recipe"}, set()),
    ("Dropout gives the network more capacity.", set(), {"adds-capacity"}),
]


@pytest.mark.parametrize("text,concepts,tells", SENTENCES, ids=[s[0][:40] for s in SENTENCES])
def test_single_sentences(text, concepts, tells):
    (answer,) = score_answers("## Q\n" + text, [Question("q", "Q")], default_rubric())
    assert concepts <= set(answer.concepts) and set(answer.tells) == tells, (answer.concepts, answer.tells)

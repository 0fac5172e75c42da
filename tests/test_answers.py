"""The answer scorer (trained heads over sentence vectors, stance and phrase rules):

- on the sentence bank's dev split, which the heads never train on, every head's
  precision and recall are printed and held to a floor;
- on a labelled corpus of whole answers (tests/answers/corpus.yaml), the confusion matrix
  of levels is printed and held to a floor, no answer lands two levels off, and the traps
  (negated, hedged, listed mentions) earn nothing;
- the committed heads are exactly what retraining on the bank gives;
- single sentences from the field (paraphrases, stance, the question as context) read right.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
import yaml

from grader import catalog
from grader.answers import bank, train
from grader.answers.heads import Heads, heads_path
from grader.answers.scoring import Question, credited, score_answers, tells_found
from grader.answers.text import sentences
from grader.leveling import answers_level
from grader.levels import LEVELS
from grader.rubric import default_rubric

CORPUS = yaml.safe_load((Path(__file__).parent / "answers" / "corpus.yaml").read_text())
# Measured floors (see the README's "Written answers" numbers): a change that lowers them
# fails here. The dev floor is per head; the corpus floor is the share placed exactly.
DEV_FLOOR = 0.85
DEV_MEAN_FLOOR = 0.88
CORPUS_EXACT_FLOOR = 0.87
# share of answers placed two or more levels off: 2 of 107 after training round 14 and word
# senses, 3 after rounds 12-13, 4 before them, since the 14 seed-levelled answers came in
# (terse or academic senior answers placed at L4); 2 of the 93 before
FAR_CEILING = 0.03
# dev files whose writers saw neither the bank nor the scorer's errors (the README says how
# far each has been read since)
LATER_ROUNDS = {"d.yaml", "e.yaml", "f.yaml"}
# written from the brief alone (g after training round 12; h after round 13, stressing
# everyday verbs, bullets and notes), labelled twice blind; their errors have never been read
UNREAD_ROUND = {"g.yaml"}
UNREAD_WORDING = {"h.yaml"}


@lru_cache(maxsize=1)
def heads() -> Heads:
    return Heads.load()


def _questions(drill_id: str) -> list[Question]:
    drill = catalog.load_drill(drill_id)
    return [Question(q.id, q.title, q.expects) for q in drill.questions]


def _text(entry: dict) -> str:
    """One-question drills: the answer under the handout's heading."""
    questions = _questions(entry["drill"])
    if len(questions) == 1:
        return f"# Answer\n\n## {questions[0].title}\n\n" + entry["text"]
    return entry["text"]


@lru_cache(maxsize=None)
def _place(entry_id: str):
    entry = next(e for e in CORPUS if e["id"] == entry_id)
    rubric = default_rubric()
    drill = catalog.load_drill(entry["drill"])
    answers = score_answers(_text(entry), _questions(entry["drill"]), rubric, heads())
    return answers, answers_level(credited(answers), tells_found(answers), rubric, drill.levels)


def place(entry: dict):
    return _place(entry["id"])


def test_corpus_is_big_and_covers_every_level():
    assert len(CORPUS) >= 90
    assert {e["level"] for e in CORPUS} == set(LEVELS)
    assert len({e["id"] for e in CORPUS}) == len(CORPUS)
    drills = [d for d in catalog.drill_ids() if catalog.load_drill(d).questions]
    assert {e["drill"] for e in CORPUS} == set(drills)  # every drill's questions


def test_confusion_matrix(capsys):
    matrix = {(want, got): 0 for want in LEVELS for got in LEVELS}
    misplaced, found, asked = [], 0, 0
    for entry in CORPUS:
        answers, estimate = place(entry)
        matrix[(entry["level"], estimate.level)] += 1
        if estimate.level != entry["level"]:
            misplaced.append(f"  {entry['id']}: {entry['level']} placed {estimate.level} "
                             f"(tells {tells_found(answers) or 'none'})")
        if "credit" in entry:
            found += len(set(entry["credit"]) & credited(answers))
            asked += len(entry["credit"])
    width = max(map(len, LEVELS)) + 2
    lines = ["labelled \\ placed".ljust(18) + "".join(l.rjust(width) for l in LEVELS)]
    for want in LEVELS:
        lines.append(want.ljust(18) + "".join(str(matrix[(want, got)]).rjust(width)
                                              for got in LEVELS))
    exact = sum(matrix[(level, level)] for level in LEVELS) / len(CORPUS)
    far = sum(n for (w, g), n in matrix.items() if abs(LEVELS.index(w) - LEVELS.index(g)) > 1)
    with capsys.disabled():
        print("\n" + "\n".join(lines))
        print(f"placed exactly: {exact:.0%} of {len(CORPUS)}; interviewer's credits found in "
              f"the field-style answers: {found}/{asked}")
        print("\n".join(misplaced))
    assert exact >= CORPUS_EXACT_FLOOR
    assert far <= FAR_CEILING * len(CORPUS), f"{far} answers placed two or more levels off"


@pytest.mark.parametrize("entry", [e for e in CORPUS if e.get("not_credited")],
                         ids=lambda e: e["id"])
def test_traps_earn_nothing(entry):
    trapped = credited(place(entry)[0]).intersection(entry["not_credited"])
    assert not trapped, f"credited {trapped} from a negated, hedged or listed mention"


def _summary(scores: dict) -> str:
    precision = np.mean([p for *_, p, _ in scores.values()])
    recall = np.mean([r for *_, r in scores.values()])
    both = sum(min(p, r) >= 0.9 for *_, p, r in scores.values())
    return f"mean precision {precision:.2f}, recall {recall:.2f}; {both} of {len(scores)} heads reach 0.9 on both"


def test_dev_split_precision_and_recall(capsys):
    scores = train.evaluate(heads(), default_rubric(), "dev")
    second = train.evaluate(heads(), default_rubric(), "dev", LATER_ROUNDS)
    unread = train.evaluate(heads(), default_rubric(), "dev", UNREAD_ROUND)
    wording = train.evaluate(heads(), default_rubric(), "dev", UNREAD_WORDING)
    with capsys.disabled():
        print("\n" + train.table(scores))
        print("whole dev split:", _summary(scores))
        print("rounds d-f only (writers who never saw the bank or the scorer's errors):",
              _summary(second))
        print("round g only (its errors never read; about 6 positives a head):",
              _summary(unread))
        print("round h only (everyday verbs, bullets and notes; errors never read):",
              _summary(wording))
    assert set(scores) == set(heads().ids)  # every head is measured
    low = {h: (round(p, 2), round(r, 2)) for h, (_, _, _, p, r) in scores.items()
           if min(p, r) < DEV_FLOOR}
    assert not low, f"heads below {DEV_FLOOR} on the dev split: {low}"
    assert np.mean([min(p, r) for *_, p, r in scores.values()]) >= DEV_MEAN_FLOOR


def test_committed_heads_were_trained_on_this_bank():
    """Retraining takes a quarter of an hour (`python -m grader.answers.train --check`);
    the suite checks that the committed heads were fitted to exactly this bank."""
    committed = Heads.load(heads_path())
    assert committed.meta["bank_sha256"] == train.bank_digest(bank.load("train", default_rubric())), \
        "the bank changed since heads.npz was trained: python -m grader.answers.train"
    assert committed.ids == sorted(train.head_items(default_rubric()))
    assert all(0 < t < 1 for t in committed.thresholds)


def test_bank_splits_do_not_leak():
    rubric = default_rubric()
    train_texts = {_norm(e.text) for e in bank.load("train", rubric)}
    dev_texts = {_norm(e.text) for e in bank.load("dev", rubric)}
    assert not train_texts & dev_texts
    # nothing the scorer is judged on here was learned by heart
    held = " ".join(_norm(e["text"]) for e in CORPUS) + " ".join(_norm(s[1]) for s in SENTENCES)
    held += " ".join(_norm(p.read_text()) for p in
                     (catalog.load_drill("why-dropout").root / "mutants").glob("*.md"))
    learned = [t for t in train_texts if len(t) > 25 and t.rstrip(".") in held]
    assert not learned, learned


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def test_every_credit_and_tell_quotes_its_sentence():
    entry = next(e for e in CORPUS if e["id"] == "d-L6-full")
    text = _text(entry)
    answers, _ = place(entry)
    assert any(a.findings for a in answers)
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
    rubric, questions = default_rubric(), _questions(entry["drill"])
    first = [a.to_dict() for a in score_answers(_text(entry), questions, rubric, heads())]
    for _ in range(3):
        assert [a.to_dict() for a in score_answers(_text(entry), questions, rubric,
                                                   Heads.load())] == first


# Sentences from the field that the first, rule-only scorer misread: paraphrase, words that
# co-occur without the claim, stance (a mistake described, a warning), the question as
# context. (question, sentence, must credit, must not credit, tells exactly)
SENTENCES = [
    ("why-dropout/why", "It works by setting some activations to 0 at random on each training step.",
     {"mechanism"}, set(), set()),
    ("why-dropout/why", "Each neuron is turned on with probability p during training, so the "
     "network cannot rely on any one of them.", {"mechanism"}, set(), set()),
    ("why-dropout/why", "Training with dropout samples from 2^n thinned networks that share "
     "weights, and the full network averages them at test time.", {"ensemble"}, set(), set()),
    ("why-dropout/why", "It breaks up codependent feature detectors, so each hidden unit must be "
     "useful by itself.", {"co-adaptation"}, set(), set()),
    ("why-dropout/why", "Dropout is a regularizer that is used on neurons with a random seed.",
     set(), {"mechanism"}, set()),
    ("why-dropout/why", "Dropout is applied after multiple layers of the network.", set(),
     {"inverted-scaling"}, set()),
    ("why-dropout/why", "Batch norm shifts inputs to zero mean and unit variance.", set(),
     {"batchnorm-shift"}, set()),
    ("why-dropout/why", "Scaling at test time on top of inverted dropout is a mistake that "
     "shrinks every activation twice.", set(), set(), set()),
    ("dropout/common-bug", "A close second is applying the 1/(1-p) scaling twice.", set(), set(),
     set()),
    ("why-dropout/why", "They interact badly when dropout sits before a batch norm layer.", set(),
     set(), set()),
    ("why-dropout/why", "It never hurts, so I add it after every layer including the embeddings.",
     set(), set(), {"always-useful", "dropout-wrong-place"}),
    ("eval-mode-bug-hunt/mc-modes", "Batch norm has to stay on its frozen running statistics "
     "while only the dropout layers are in training mode.", {"mc-bn-eval"}, set(), set()),
    ("why-dropout/why", "regularization co-adaptation ensemble subnetworks Bayesian variational "
     "inference Monte Carlo dropout uncertainty inverted dropout", set(),
     {"overfitting", "co-adaptation", "ensemble", "bayesian-mc", "inverted-scaling"}, set()),
    ("why-dropout/why", "You drop units with probability p but do not rescale anything, and at "
     "test time you multiply the activations by p.", set(), {"inverted-scaling", "expectation"},
     set()),
    ("why-dropout/why", "Adding dropout to every layer is a bad idea.", set(), set(), set()),
    ("why-dropout/why", "Some people claim dropout adds capacity, but it actually removes it.",
     set(), set(), set()),
    ("why-dropout/why", "You should always add dropout, it always helps.", set(), set(),
     {"always-useful"}),
    ("why-dropout/why", "Dropout gives the network more capacity.", set(), set(), {"adds-capacity"}),
    # someone else's claim answered after the contrast: the answer is what the writer holds
    ("why-dropout/why", "Some people say it is overrated, but dropout always helps, in every "
     "model I train.", set(), set(), {"always-useful"}),
    ("dropout/scaling", "A colleague insisted we multiply by 1-p when serving, but with inverted "
     "dropout that shrinks every activation a second time.", set(), set(), set()),
    # a warning listing where dropout must not go: the places are named in one clause, the
    # keeping out in another; no clause reads as advice to put it there
    ("why-dropout/why", "There are places I keep it out of: between a convolution and its batch "
     "norm, and in a transformer off the residual stream, the embeddings and the layer norms.",
     set(), set(), set()),
    # ... while real advice to put it there, in one clause or across several, is still a tell
    ("why-dropout/why", "Dropout goes on every sublayer: I put it on the embeddings, and I also "
     "put it on the residual stream.", set(), set(), {"dropout-wrong-place"}),
    ("why-dropout/why", "My default CNN block is conv, then dropout, then batch norm; and I put "
     "dropout on the embeddings in transformers too.", set(), set(), {"dropout-wrong-place"}),
    # notes: "=" relates, "w.p." does not end the sentence
    ("why-dropout/why", "ensemble view: every mask = a thinned subnet, weights shared, full net "
     "at test ~ average of all of them", {"ensemble"}, set(), set()),
]


@pytest.mark.parametrize("question,text,concepts,not_concepts,tells", SENTENCES,
                         ids=[s[1][:40] for s in SENTENCES])
def test_single_sentences(question, text, concepts, not_concepts, tells):
    drill_id, question_id = question.split("/")
    spec = next(q for q in _questions(drill_id) if q.id == question_id)
    (answer,) = score_answers(f"## {spec.title}\n\n{text}\n", [spec], default_rubric(), heads())
    got = set(answer.concepts)
    assert concepts <= got and not (not_concepts & got), (answer.concepts, answer.tells)
    assert set(answer.tells) - {"only-overfitting"} == tells, (answer.concepts, answer.tells)


def test_the_scorer_process_answers_and_reports_its_errors():
    from grader.answers.client import AnswerScorer, ScorerError
    with AnswerScorer() as scorer:
        (answer,) = scorer.score("why-dropout", "## Why does dropout work?\n\nDropout gives the "
                                 "network more capacity.\n")
        assert answer["tells"] == ["adds-capacity"]
        with pytest.raises(ScorerError, match="no-such-drill"):
            scorer.score("no-such-drill", "text")
        (again,) = scorer.score("why-dropout", "")  # still serving after an error
        assert again["status"] == "unanswered"


def test_terminal_report_shows_answers_without_control_sequences(tmp_path, run_drill):
    run_drill("start", "why-dropout", "--dir", tmp_path / "ws")
    (tmp_path / "ws" / "answers.md").write_text(
        "## Why does dropout work?\n\nDropout randomly zeroes units \x1b[2J\x1b]0;pwned\x07 during "
        "training, so units cannot co-adapt.\n")
    graded = run_drill("grade", cwd=tmp_path / "ws")
    assert "co-adapt" in graded.stdout
    assert "\x1b[2J" not in graded.stdout and "\x07" not in graded.stdout


def test_sentences_end_at_full_stops_but_not_inside_abbreviations():
    found = [s.text for s in sentences("Zero each unit w.p. p during training. Batch norm is "
                                       "normal. Srivastava et al. showed it (e.g. on MNIST).", 0)]
    assert found == ["Zero each unit w.p. p during training.", "Batch norm is normal.",
                     "Srivastava et al. showed it (e.g. on MNIST)."]

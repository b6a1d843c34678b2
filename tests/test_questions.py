"""Secret questions (issue 19): the reference's answers are made outside the worker, and the
worker's answers and claims are checked against them (grader.questions, grader.expected)."""
from __future__ import annotations

import dataclasses
import json

import pytest

from grader.expected import (CHECKED, CROSS_CHECKED, basis, check_answers, claims_contradicted, expected_summary,
                             reference_answers, reference_for, replayed)
from grader.facts import Failure, ListAnswers, PropertyCheck, PropertyFacts, TrainFacts
from grader.grading import judge
from grader.profile import HELD_BACK_PATH, profile_facts
from grader.questions import asked, from_message, message, secret
from grader.rubric import load_rubric

SEED, HELD = 1234567, 7654321


@pytest.fixture(scope="module")
def questions():
    return asked(SEED, HELD)


def honest_property(callbacks, questions) -> PropertyFacts:
    """What an honest worker reports for the reference's callbacks: the search agreed, the list answered."""
    return PropertyFacts(checks=tuple(PropertyCheck(kind=kind, examples=60) for kind in
                                      ("ModelCheckpoint", "EarlyStopping", "ReduceLROnPlateau")),
                         answers=reference_answers(callbacks, questions), asked=questions.digest)


def test_the_trusted_summary_is_the_reference_s_on_every_recorded_history():
    train = profile_facts("train")
    held = json.loads(HELD_BACK_PATH.read_text()) if HELD_BACK_PATH.exists() else {"histories": [], "summaries": []}
    pairs = list(zip(train.histories, train.summaries)) + list(zip(held["histories"], held["summaries"]))
    assert len(pairs) >= 60
    for history, answer in pairs:
        assert expected_summary(history) == answer, history
        assert {key: type(value) for key, value in expected_summary(history).items()} == \
               {key: type(value) for key, value in answer.items()}


def test_the_reference_s_answers_to_the_public_list_are_the_profile_s_and_a_replay_s(questions, monkeypatch):
    """A students' copy takes the reference's answers to the public list from the profile (no replays in
    every run); they are what Keras's own callbacks give there, and other questions are replayed."""
    from grader import expected
    from grader.probes.replay import keras_answers
    from grader.questions import current

    public, callbacks = current(), profile_facts("callbacks")
    recorded = profile_facts("property")
    assert json.dumps(recorded.histories) == json.dumps(public.histories) and len(recorded.answers) == 3
    assert recorded.answers == tuple(keras_answers(a.kind, callbacks.of_kind(a.kind)[0].config, public.histories)
                                     for a in recorded.answers)
    calls = []
    monkeypatch.setattr(expected, "reference_answers", lambda *args: calls.append(args) or ())
    assert reference_for(public, secret(None), profile_facts)("property").answers == recorded.answers
    assert calls == []
    assert reference_for(questions, secret(HELD), profile_facts)("property").answers == ()  # replayed: the stand-in's
    assert len(calls) == 1


def test_a_worker_reads_its_questions_from_its_line_and_never_the_labels(questions):
    token, got = from_message(message("abc", SEED, HELD))
    assert token == "abc" and got.seed == SEED and got.digest == questions.digest
    assert (got.held_out == questions.held_out).all()
    assert secret(HELD).labels not in message("abc", SEED, HELD)
    assert "labels" not in message("abc", SEED, HELD)
    assert asked(SEED + 1, HELD).digest != questions.digest  # other questions, another digest


def test_honest_answers_to_the_secret_questions_are_consistent(questions):
    callbacks = profile_facts("callbacks")
    facts = {"callbacks": callbacks, "property": honest_property(callbacks, questions)}
    assert claims_contradicted(callbacks, facts["property"], questions) is None
    assert check_answers(facts, questions) == (facts, None)


def test_settings_that_do_not_act_as_the_answers_say_make_the_grading_inconsistent(questions, tmp_path):
    callbacks = profile_facts("callbacks")
    honest = honest_property(callbacks, questions)
    # answers made by an EarlyStopping of patience 2, while the claims say the reference's 5
    config = dict(callbacks.of_kind("EarlyStopping")[0].config, patience=2)
    lying = replayed("EarlyStopping", config, questions.histories)
    answers = tuple(lying if a.kind == "EarlyStopping" else a for a in honest.answers)
    facts = {"callbacks": callbacks, "property": dataclasses.replace(honest, answers=answers)}
    judged, reason = check_answers(facts, questions)
    assert "EarlyStopping" in reason and "patience=5" in reason and "reported to give" in reason
    assert isinstance(judged["callbacks"], Failure) and judged["callbacks"].kind == "inconsistent"
    assert judged["property"] is facts["property"]  # only the claims shown false lose
    # no answers at all for a callback the claims say is there
    missing = dataclasses.replace(honest, answers=tuple(a for a in honest.answers if a.kind != "ModelCheckpoint"))
    assert "ModelCheckpoint" in claims_contradicted(callbacks, missing, questions)


def test_answers_to_other_questions_void_everything_the_worker_said(questions):
    public = asked(None)
    callbacks = profile_facts("callbacks")
    facts = {"callbacks": callbacks, "property": honest_property(callbacks, public),
             "train": TrainFacts(histories=public.summaries, summaries=({},) * len(public.summaries))}
    judged, reason = check_answers(facts, questions)
    assert "other questions" in reason
    assert all(isinstance(value, Failure) and value.kind == "inconsistent" for value in judged.values())
    # answers without the echo at all count the same
    bare = {"train": dataclasses.replace(facts["train"], asked=None)}
    assert check_answers(bare, questions)[1]
    # the public questions (pytest grader) are not checked: nothing there to protect
    assert check_answers(facts, public)[1] is None


def test_the_reference_s_answers_follow_the_questions(questions):
    reference = reference_for(questions, secret(HELD), profile_facts)
    public = reference_for(asked(None), secret(None), profile_facts)
    assert reference("behaviour").scripted != public("behaviour").scripted or \
        questions.plateau == asked(None).plateau
    assert reference("train").histories == questions.summaries
    assert reference("train").summaries == tuple(expected_summary(h) for h in questions.summaries)
    assert reference("model").held_out_labels == secret(HELD).labels
    assert public("model").held_out_labels is None  # pytest grader: the model's own held-out accuracy
    assert len(reference("property").answers) == 3
    assert all(len(a.events) == len(questions.histories) for a in reference("property").answers)
    # the explore step: StopAtTarget's and warmup's answers by the assignment's definitions, the
    # positions replayed here; the public questions keep the profile's recorded answers
    explore = reference("explore")
    assert explore.questions == questions.explore and public("explore").questions == asked(None).explore
    assert public("explore").stop_answers == profile_facts("explore").stop_answers
    assert len(explore.stop_answers) == len(questions.explore.stops) and explore.stop_answers != \
        public("explore").stop_answers
    assert len(explore.rates) == len(questions.explore.rates)
    assert explore.positions[1:] == (f"stops training after epoch {reference('behaviour').scripted.last_epoch}",) * 2
    assert explore.positions[0] != explore.positions[1]  # the target is reached before EarlyStopping stops


def test_explore_answers_to_the_public_questions_void_the_grading(questions):
    """A worker that sends the reference's explore facts from the profile (public answers) answers
    other questions than its own: nothing it said is taken."""
    forged = profile_facts("explore")
    judged, reason = check_answers({"explore": forged, "train": TrainFacts()}, questions)
    assert "other questions" in reason and all(value.kind == "inconsistent" for value in judged.values())
    honest = dataclasses.replace(forged, asked=questions.digest)
    assert check_answers({"explore": honest}, questions)[1] is None


def test_model_learns_is_judged_on_the_held_out_labels_the_worker_never_had(questions):
    labels = secret(HELD).labels
    wrong = "".join("1" if c == "0" else "0" for c in labels)
    base = dataclasses.replace(profile_facts("model"), learned_accuracy=1.0, learning_curve=(1.0,),
                               held_out_answers=(), asked=questions.digest)

    def learns(student):
        grade = judge(load_rubric(), {"model": student}, reference=profile_facts, questions=questions,
                      secret=secret(HELD))
        return next(item for item in grade.items if item.id == "model.learns")

    assert learns(dataclasses.replace(base, held_out_answers=(wrong, labels))).passed
    claimed = learns(dataclasses.replace(base, held_out_answers=(wrong,)))  # claims 1.0, answers all wrong
    assert not claimed.passed and "0.00" in claimed.found
    assert not learns(base).passed  # no answers: nothing to check


def test_every_rubric_item_says_what_its_points_rest_on():
    ids = {item.id for item in load_rubric().items}
    assert CHECKED <= ids and CROSS_CHECKED <= ids
    assert {basis(i) for i in ids} == {"checked", "cross-checked", "word"}


def test_list_answers_round_trip_through_json():
    from grader.areas import settled

    facts = PropertyFacts(answers=(ListAnswers(kind="EarlyStopping", events=("6", None), failure="boom"),),
                          asked="x")
    assert settled("property", facts) == facts

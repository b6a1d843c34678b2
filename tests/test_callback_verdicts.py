"""Callback verdicts as a table of (facts, expected outcome): pure, no TensorFlow.

The reference facts are built here by hand so that each row changes one setting
of a correct configuration and names the items that setting must cost.
"""
from dataclasses import replace

import pytest

from grader.facts import CallbackFacts, CallbacksFacts, Failure
from grader.rubric import load_rubric
from grader.grading import judge
from grader.verdicts import notes_for

RUBRIC = load_rubric()
GIVEN = "<scratch>/grader_checkpoint.keras"
CHECKPOINT = CallbackFacts(kind="ModelCheckpoint", class_name="ModelCheckpoint", monitor="val_accuracy",
                           mode="max", direction="max", save_best_only=True, filepath=GIVEN)
STOPPER = CallbackFacts(kind="EarlyStopping", class_name="EarlyStopping", monitor="val_loss",
                        mode="min", direction="min", patience=5)
REDUCER = CallbackFacts(kind="ReduceLROnPlateau", class_name="ReduceLROnPlateau", monitor="val_loss",
                        mode="min", direction="min", patience=3, factor=0.5)
LOGS = ("accuracy", "loss", "val_accuracy", "val_loss")
REFERENCE = CallbacksFacts(given_checkpoint_path=GIVEN, returned_type="list",
                           callbacks=(CHECKPOINT, STOPPER, REDUCER),
                           default_checkpoint_path="best_cat_dog_model.keras", model_logs=LOGS)


def with_callbacks(*callbacks, **changes):
    return replace(REFERENCE, callbacks=tuple(callbacks), **changes)


def lost(student, reference=REFERENCE):
    results = judge(RUBRIC, {"callbacks": student}, reference=lambda key: reference).items
    return {r.id for r in results if not r.passed}


CASES = [
    ("reference", REFERENCE, set()),
    ("reordered", with_callbacks(REDUCER, CHECKPOINT, STOPPER), set()),
    ("tuple", replace(REFERENCE, returned_type="tuple"), set()),
    ("subclass", with_callbacks(CHECKPOINT, replace(STOPPER, class_name="MyStop"), REDUCER), set()),
    ("mode auto resolved", with_callbacks(replace(CHECKPOINT, mode="auto"), STOPPER, REDUCER), set()),
    ("checkpoint on loss", with_callbacks(replace(CHECKPOINT, monitor="val_loss", direction="min"), STOPPER, REDUCER),
     {"checkpoint.monitor", "checkpoint.direction"}),
    ("unresolvable direction", with_callbacks(replace(CHECKPOINT, mode="auto", direction=None,
                                                      direction_problem="cannot tell"), STOPPER, REDUCER),
     {"checkpoint.direction"}),
    ("save every epoch", with_callbacks(replace(CHECKPOINT, save_best_only=False), STOPPER, REDUCER),
     {"checkpoint.save_best_only"}),
    ("fixed path", with_callbacks(replace(CHECKPOINT, filepath="best_cat_dog_model.keras"), STOPPER, REDUCER),
     {"checkpoint.uses_path_argument"}),
    ("default in a folder", replace(REFERENCE, default_checkpoint_path="models/best_cat_dog_model.keras"), set()),
    ("no default", replace(REFERENCE, default_checkpoint_path=None,
                           default_failure=Failure("raised", "TypeError: missing", where="make_callbacks()")),
     {"checkpoint.default_filename"}),
    ("stopper patience", with_callbacks(CHECKPOINT, replace(STOPPER, patience=10), REDUCER),
     {"early_stopping.patience"}),
    ("reducer factor 0", with_callbacks(CHECKPOINT, STOPPER, replace(REDUCER, factor=0.0)), {"reduce_lr.factor"}),
    ("reducer factor 0.9", with_callbacks(CHECKPOINT, STOPPER, replace(REDUCER, factor=0.9)), set()),
    ("two stoppers", with_callbacks(CHECKPOINT, STOPPER, STOPPER, REDUCER), {"callbacks.types"}),
    ("an extra logger is fine", with_callbacks(CHECKPOINT, STOPPER, REDUCER, CallbackFacts(None, "CSVLogger")),
     set()),
    ("not a list", replace(REFERENCE, returned_type="ModelCheckpoint", callbacks=()),
     {item.id for item in RUBRIC.in_area("callbacks")}),
    ("not implemented", CallbacksFacts(given_checkpoint_path=GIVEN, failure=Failure(
        "not_implemented", "x", where="make_callbacks()")), {item.id for item in RUBRIC.in_area("callbacks")}),
]


@pytest.mark.parametrize("name, student, must_lose", CASES, ids=[c[0] for c in CASES])
def test_callback_verdicts(name, student, must_lose):
    assert lost(student) == must_lose


def test_expected_values_follow_the_reference():
    """Change the reference's patience and the verdicts expect the new one."""
    patient = with_callbacks(CHECKPOINT, replace(STOPPER, patience=10), REDUCER)
    assert lost(REFERENCE, reference=patient) == {"early_stopping.patience"}
    assert lost(patient, reference=patient) == set()


@pytest.mark.parametrize(
    "student, phrase",
    [
        (with_callbacks(CHECKPOINT, STOPPER, replace(REDUCER, patience=6)),
         "patience (6) is longer than EarlyStopping's (5): training stops before the learning rate can ever drop"),
        # the same patience: the rate does drop, at the epoch training stops (the note must not say it never does)
        (with_callbacks(CHECKPOINT, STOPPER, replace(REDUCER, patience=5)),
         "both wait 5 epochs: the learning rate drops only at the epoch where training stops"),
        (with_callbacks(replace(CHECKPOINT, monitor="val_acc"), STOPPER, REDUCER), "never sees 'val_acc'"),
        (replace(REFERENCE, model_logs=("loss", "val_loss")), "metrics=['accuracy']"),
    ],
)
def test_advisory_notes(student, phrase):
    assert any(phrase in note for note in notes_for("callbacks", student, REFERENCE))


def test_no_notes_for_the_reference():
    assert notes_for("callbacks", REFERENCE, REFERENCE) == []

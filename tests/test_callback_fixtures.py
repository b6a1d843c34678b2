"""Fixture submissions graded in-process: which callback-configuration items each one loses.

One row per fixture: the items it must lose (every other item must keep its
points), and a phrase its feedback or notes must contain so that a student can
tell what went wrong.
"""
from __future__ import annotations

import pytest

from grader.grading import grade_submission
from grader.rubric import load_rubric
from tests.conftest import fixture_names

EVERY_ITEM = frozenset(item.id for item in load_rubric().in_area("callbacks"))
REDUCE_LR_ITEMS = frozenset(i for i in EVERY_ITEM if i.startswith("reduce_lr."))

# fixture name -> (items it must lose, phrase that must appear in its feedback or notes)
CASES = {
    "reference": (set(), None),
    "stubs": (EVERY_ITEM, "not implemented yet"),
    "correct_auto_modes": (set(), None),
    "correct_explicit_restore_best": (set(), None),
    "correct_subclassed_early_stopping": (set(), None),
    "correct_softmax_two_classes": (set(), None),
    "mistake_val_acc": ({"checkpoint.monitor"}, "Keras never sees 'val_acc'"),
    "mistake_checkpoint_min_mode": ({"checkpoint.direction"}, "min (lower is better) from mode='min'"),
    "mistake_save_every_epoch": ({"checkpoint.save_best_only"}, "save_best_only = False"),
    "mistake_hardcoded_checkpoint_path": ({"checkpoint.uses_path_argument"}, "argument is ignored"),
    "mistake_swapped_patiences": (
        {"early_stopping.patience", "reduce_lr.patience"},
        "training stops before the learning rate can ever drop",
    ),
    "mistake_early_stopping_on_val_accuracy": (
        {"early_stopping.monitor", "early_stopping.direction"},
        "EarlyStopping monitor = 'val_accuracy'",
    ),
    "mistake_factor_one": (EVERY_ITEM, "ReduceLROnPlateau does not support a factor >= 1.0"),
    "mistake_two_callbacks": ({"callbacks.types"} | REDUCE_LR_ITEMS, "no ReduceLROnPlateau in the list"),
    "mistake_no_accuracy_metric": (set(), "Compile the model with metrics=['accuracy']"),
    "mistake_wrong_default_filename": ({"checkpoint.default_filename"}, "saves to 'model.keras'"),
    "mistake_reduce_lr_patience_10": ({"reduce_lr.patience"}, "ReduceLROnPlateau waits 10 epochs"),
    "mistake_checkpoint_on_val_loss": (
        {"checkpoint.monitor", "checkpoint.direction"},
        "ModelCheckpoint monitor = 'val_loss'",
    ),
    "mistake_early_stopping_max_on_loss": ({"early_stopping.direction"}, "max (higher is better)"),
    "mistake_no_default_path": ({"checkpoint.default_filename"}, "missing 1 required positional argument"),
    "broken_syntax_error": (EVERY_ITEM, "callbacks.py could not be imported: SyntaxError"),
    "broken_exit_at_import": (EVERY_ITEM, "callbacks.py called sys.exit()"),
    "broken_model_raises_at_import": (set(), None),
    "broken_callbacks_raise_typeerror": (EVERY_ITEM, "unexpected keyword argument 'save_best'"),
}


def test_every_fixture_folder_has_a_row():
    assert set(fixture_names()) | {"reference", "stubs"} == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture_loses_exactly_its_items(name, submission_path):
    must_lose, phrase = CASES[name]
    grade = grade_submission(submission_path(name))
    assert {item.id for item in grade.items} == EVERY_ITEM
    assert grade.lost() == set(must_lose), "\n\n".join(i.feedback() for i in grade.items if not i.passed)
    if phrase:
        text = "\n".join([i.feedback() for i in grade.items] + grade.notes)
        assert phrase in text
    assert grade.score == grade.max_score - sum(i.max_points for i in grade.items if i.id in must_lose)


def test_feedback_shows_the_students_own_line_and_no_grader_frames(submission_path):
    grade = grade_submission(submission_path("mistake_factor_one"))
    detail = grade.items[0].detail
    assert 'File "callbacks.py", line 10, in make_callbacks' in detail
    assert "keras/src" not in detail and "grader/" not in detail
    assert detail.rstrip().endswith("Received factor=1.0")


def test_syntax_error_points_at_the_line(submission_path):
    grade = grade_submission(submission_path("broken_syntax_error"))
    detail = grade.items[0].detail
    assert 'File "callbacks.py", line' in detail and "SyntaxError" in detail
    assert str(submission_path("broken_syntax_error")) not in detail


def test_same_submission_same_feedback_twice(submission_path):
    first = grade_submission(submission_path("mistake_val_acc"))
    second = grade_submission(submission_path("mistake_val_acc"))
    assert first.items == second.items and first.notes == second.notes

"""Verdicts on the callback configuration (rubric area "callbacks").

Every expected value is read from the reference's facts: change the reference's
patience and these verdicts expect the new patience.
"""
from __future__ import annotations

from pathlib import PurePath
from typing import Callable

from grader.facts import CallbackFacts, CallbacksFacts
from grader.grade import Judgement
from grader.verdicts import advisory, could_not_run, verdict

KINDS = ("ModelCheckpoint", "EarlyStopping", "ReduceLROnPlateau")
DIRECTION_WORDS = {"min": "lower is better", "max": "higher is better"}


def _the(facts: CallbacksFacts, kind: str) -> CallbackFacts | None:
    found = facts.of_kind(kind)
    return found[0] if found else None


def _unavailable(student: CallbacksFacts, kind: str, expected: str) -> Judgement | None:
    """A judgement when the student's callback of this kind cannot be examined at all."""
    if student.failure:
        return could_not_run(student.failure, expected)
    if student.returned_type not in ("list", "tuple"):
        return Judgement(
            passed=False,
            expected=expected,
            found=f"make_callbacks returned a {student.returned_type}, not a list of callbacks",
            hint="Return the three callbacks in a list: return [checkpoint, early_stopping, reduce_lr].",
        )
    found = _the(student, kind)
    if found is None:
        return Judgement(
            passed=False,
            expected=expected,
            found=f"no {kind} in the list make_callbacks returned",
            hint=f"Create a keras.callbacks.{kind} and add it to the list you return.",
        )
    if found.acts_unlike_stated:
        return Judgement(
            passed=False,
            expected=expected,
            found=f"your {found.class_name} does not act as its settings say: {found.acts_unlike_stated}",
            hint=f"A subclass may add to {kind} (printing, logging), but must keep what its settings mean; "
                 f"its settings are only worth points when it acts on them.",
        )
    return None


@verdict("callbacks.types")
def verdict_callback_types(student: CallbacksFacts, reference: CallbacksFacts) -> Judgement:
    if student.failure:
        return could_not_run(student.failure)
    expected = "a list with one ModelCheckpoint, one EarlyStopping and one ReduceLROnPlateau"
    if student.returned_type not in ("list", "tuple"):
        return Judgement(False, expected, f"a {student.returned_type}, not a list")
    counts = {kind: len(student.of_kind(kind)) for kind in KINDS}
    if all(count == 1 for count in counts.values()):
        return Judgement(True, expected)
    listed = ", ".join(cb.class_name for cb in student.callbacks) or "nothing"
    wrong = [f"no {kind}" if count == 0 else f"{count} of {kind}" for kind, count in counts.items() if count != 1]
    return Judgement(False, expected, f"[{listed}]: {', '.join(wrong)}")


def _direction_text(cb: CallbackFacts) -> str:
    if cb.direction is None:
        return f"Keras cannot tell whether higher or lower is better ({cb.direction_problem})"
    how = f"mode={cb.mode!r}" if cb.mode else "its mode"
    return f"{cb.direction} ({DIRECTION_WORDS[cb.direction]}) from {how} on {cb.monitor!r}"


def _same_setting(student: CallbacksFacts, reference: CallbacksFacts, kind: str, setting: str,
                  shown: Callable[[CallbackFacts], str] | None = None) -> Judgement:
    """The student's callback of `kind` holds the reference's value of `setting` (shown as `shown` says)."""
    shown = shown or (lambda cb: repr(getattr(cb, setting)))
    expected_cb = _the(reference, kind)
    expected = f"{kind} {setting} = {shown(expected_cb)}"
    problem = _unavailable(student, kind, expected)
    if problem:
        return problem
    found_cb = _the(student, kind)
    passed = getattr(found_cb, setting) == getattr(expected_cb, setting)
    return Judgement(passed, expected, f"{kind} {setting} = {shown(found_cb)}")


@verdict("checkpoint.monitor")
def verdict_checkpoint_monitor(student: CallbacksFacts, reference: CallbacksFacts) -> Judgement:
    return _same_setting(student, reference, "ModelCheckpoint", "monitor")


@verdict("checkpoint.direction")
def verdict_checkpoint_direction(student: CallbacksFacts, reference: CallbacksFacts) -> Judgement:
    return _same_setting(student, reference, "ModelCheckpoint", "direction", _direction_text)


@verdict("checkpoint.save_best_only")
def verdict_checkpoint_save_best_only(student: CallbacksFacts, reference: CallbacksFacts) -> Judgement:
    return _same_setting(student, reference, "ModelCheckpoint", "save_best_only")


@verdict("early_stopping.monitor")
def verdict_early_stopping_monitor(student: CallbacksFacts, reference: CallbacksFacts) -> Judgement:
    return _same_setting(student, reference, "EarlyStopping", "monitor")


@verdict("early_stopping.direction")
def verdict_early_stopping_direction(student: CallbacksFacts, reference: CallbacksFacts) -> Judgement:
    return _same_setting(student, reference, "EarlyStopping", "direction", _direction_text)


@verdict("early_stopping.patience")
def verdict_early_stopping_patience(student: CallbacksFacts, reference: CallbacksFacts) -> Judgement:
    return _same_setting(student, reference, "EarlyStopping", "patience")


@verdict("reduce_lr.monitor")
def verdict_reduce_lr_monitor(student: CallbacksFacts, reference: CallbacksFacts) -> Judgement:
    return _same_setting(student, reference, "ReduceLROnPlateau", "monitor")


@verdict("reduce_lr.direction")
def verdict_reduce_lr_direction(student: CallbacksFacts, reference: CallbacksFacts) -> Judgement:
    return _same_setting(student, reference, "ReduceLROnPlateau", "direction", _direction_text)


@verdict("reduce_lr.patience")
def verdict_reduce_lr_patience(student: CallbacksFacts, reference: CallbacksFacts) -> Judgement:
    return _same_setting(student, reference, "ReduceLROnPlateau", "patience")


@verdict("checkpoint.uses_path_argument")
def verdict_checkpoint_uses_path_argument(student: CallbacksFacts, reference: CallbacksFacts) -> Judgement:
    expected = f"called as make_callbacks(checkpoint_path={student.given_checkpoint_path!r}), ModelCheckpoint saves there"
    problem = _unavailable(student, "ModelCheckpoint", expected)
    if problem:
        return problem
    filepath = _the(student, "ModelCheckpoint").filepath
    if filepath == student.given_checkpoint_path:
        return Judgement(True, expected)
    return Judgement(False, expected, f"ModelCheckpoint saves to {filepath!r}: the checkpoint_path argument is ignored")


@verdict("checkpoint.default_filename")
def verdict_checkpoint_default_filename(student: CallbacksFacts, reference: CallbacksFacts) -> Judgement:
    expected_name = PurePath(reference.default_checkpoint_path).name
    expected = f"make_callbacks() with no argument saves to {expected_name!r}"
    problem = _unavailable(student, "ModelCheckpoint", expected)
    if problem:
        return problem
    if student.default_failure:
        return could_not_run(student.default_failure, expected,
                             "Give checkpoint_path a default: def make_callbacks(checkpoint_path=CHECKPOINT_PATH).")
    found = student.default_checkpoint_path
    if found is not None and PurePath(found).name == expected_name:
        return Judgement(True, expected)
    return Judgement(False, expected, f"make_callbacks() saves to {found!r}")


@verdict("reduce_lr.factor")
def verdict_reduce_lr_factor(student: CallbacksFacts, reference: CallbacksFacts) -> Judgement:
    expected = "0 < factor < 1"
    problem = _unavailable(student, "ReduceLROnPlateau", expected)
    if problem:
        return problem
    factor = _the(student, "ReduceLROnPlateau").factor
    passed = isinstance(factor, (int, float)) and not isinstance(factor, bool) and 0 < factor < 1
    return Judgement(passed, expected, f"factor = {factor!r}")


@advisory("callbacks")
def callback_notes(student: CallbacksFacts, reference: CallbacksFacts) -> list[str]:
    """Likely mistakes that cost no points here but will show up when training."""
    if student.failure or student.returned_type not in ("list", "tuple"):
        return []
    notes = []
    stopper, reducer = _the(student, "EarlyStopping"), _the(student, "ReduceLROnPlateau")
    numbers = stopper and reducer and all(
        isinstance(p, (int, float)) and not isinstance(p, bool) for p in (stopper.patience, reducer.patience))
    if numbers:
        if reducer.patience > stopper.patience:
            notes.append(
                f"ReduceLROnPlateau's patience ({reducer.patience}) is longer than EarlyStopping's "
                f"({stopper.patience}): training stops before the learning rate can ever drop. "
                "Give ReduceLROnPlateau the shorter patience."
            )
        elif reducer.patience == stopper.patience:
            notes.append(
                f"ReduceLROnPlateau and EarlyStopping both wait {stopper.patience} epochs: the learning rate "
                "drops only at the epoch where training stops, too late to help. Give ReduceLROnPlateau the "
                "shorter patience."
            )
    logs = student.model_logs or reference.model_logs or ()
    whose = "your model" if student.model_logs else "a model compiled as the assignment asks"
    for cb in student.callbacks:
        if cb.monitor is None or not logs or cb.monitor in logs:
            continue
        text = (
            f"{cb.class_name} watches {cb.monitor!r}, but {whose} logs only "
            f"{', '.join(repr(name) for name in logs)}: Keras never sees {cb.monitor!r}, so "
            f"this callback cannot do its job (with mode 'auto' training even stops with an error)."
        )
        if cb.monitor.removeprefix("val_") == "accuracy":
            text += " Compile the model with metrics=['accuracy'] so that val_accuracy is logged."
        notes.append(text)
    return notes

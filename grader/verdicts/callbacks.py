"""Verdicts on the callback configuration (rubric area "callbacks").

Every expected value is read from the reference's facts: change the reference's
patience and these verdicts expect the new patience.
"""
from __future__ import annotations

from pathlib import PurePath

from grader.facts import CallbackFacts, CallbacksFacts
from grader.verdicts import Judgement, advisory, could_not_run, verdict

KIND_OF_ITEM_PREFIX = {
    "checkpoint": "ModelCheckpoint",
    "early_stopping": "EarlyStopping",
    "reduce_lr": "ReduceLROnPlateau",
}
DIRECTION_WORDS = {"min": "lower is better", "max": "higher is better"}


def _the(facts: CallbacksFacts, kind: str) -> CallbackFacts | None:
    found = facts.of_kind(kind)
    return found[0] if found else None


def _unavailable(student: CallbacksFacts, kind: str) -> Judgement | None:
    """A judgement when the student's callback of this kind cannot be examined at all."""
    if student.failure:
        return could_not_run(student.failure)
    if student.returned_type not in ("list", "tuple"):
        return Judgement(
            passed=False,
            found=f"make_callbacks returned a {student.returned_type}, not a list of callbacks",
            hint="Return the three callbacks in a list: return [checkpoint, early_stopping, reduce_lr].",
        )
    found = _the(student, kind)
    if found is None:
        return Judgement(
            passed=False,
            found=f"no {kind} in the list make_callbacks returned",
            hint=f"Create a keras.callbacks.{kind} and add it to the list you return.",
        )
    if found.acts_unlike_stated:
        return Judgement(
            passed=False,
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
    counts = {kind: len(student.of_kind(kind)) for kind in KIND_OF_ITEM_PREFIX.values()}
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


def _setting_verdict(item_id: str, setting: str, describe):
    kind = KIND_OF_ITEM_PREFIX[item_id.split(".")[0]]

    @verdict(item_id)
    def judge(student: CallbacksFacts, reference: CallbacksFacts) -> Judgement:
        expected_cb = _the(reference, kind)
        expected = f"{kind} {setting} = {describe(expected_cb)}"
        problem = _unavailable(student, kind)
        if problem:
            return Judgement(False, expected, problem.found, problem.detail, problem.hint)
        found_cb = _the(student, kind)
        passed = getattr(found_cb, setting) == getattr(expected_cb, setting)
        return Judgement(passed, expected, f"{kind} {setting} = {describe(found_cb)}")

    judge.__name__ = f"verdict_{item_id.replace('.', '_')}"
    return judge


for _prefix in KIND_OF_ITEM_PREFIX:
    _setting_verdict(f"{_prefix}.monitor", "monitor", lambda cb: repr(cb.monitor))
    _setting_verdict(f"{_prefix}.direction", "direction", _direction_text)
_setting_verdict("checkpoint.save_best_only", "save_best_only", lambda cb: repr(cb.save_best_only))
_setting_verdict("early_stopping.patience", "patience", lambda cb: repr(cb.patience))
_setting_verdict("reduce_lr.patience", "patience", lambda cb: repr(cb.patience))


@verdict("checkpoint.uses_path_argument")
def verdict_checkpoint_uses_path_argument(student: CallbacksFacts, reference: CallbacksFacts) -> Judgement:
    expected = f"called as make_callbacks(checkpoint_path={student.given_checkpoint_path!r}), ModelCheckpoint saves there"
    problem = _unavailable(student, "ModelCheckpoint")
    if problem:
        return Judgement(False, expected, problem.found, problem.detail, problem.hint)
    filepath = _the(student, "ModelCheckpoint").filepath
    if filepath == student.given_checkpoint_path:
        return Judgement(True, expected)
    return Judgement(False, expected, f"ModelCheckpoint saves to {filepath!r}: the checkpoint_path argument is ignored")


@verdict("checkpoint.default_filename")
def verdict_checkpoint_default_filename(student: CallbacksFacts, reference: CallbacksFacts) -> Judgement:
    expected_name = PurePath(reference.default_checkpoint_path).name
    expected = f"make_callbacks() with no argument saves to {expected_name!r}"
    problem = _unavailable(student, "ModelCheckpoint")
    if problem:
        return Judgement(False, expected, problem.found, problem.detail, problem.hint)
    if student.default_failure:
        judgement = could_not_run(student.default_failure)
        return Judgement(False, expected, judgement.found, judgement.detail,
                         "Give checkpoint_path a default: def make_callbacks(checkpoint_path=CHECKPOINT_PATH).")
    found = student.default_checkpoint_path
    if found is not None and PurePath(found).name == expected_name:
        return Judgement(True, expected)
    return Judgement(False, expected, f"make_callbacks() saves to {found!r}")


@verdict("reduce_lr.factor")
def verdict_reduce_lr_factor(student: CallbacksFacts, reference: CallbacksFacts) -> Judgement:
    expected = "0 < factor < 1"
    problem = _unavailable(student, "ReduceLROnPlateau")
    if problem:
        return Judgement(False, expected, problem.found, problem.detail, problem.hint)
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
        if reducer.patience >= stopper.patience:
            notes.append(
                f"ReduceLROnPlateau's patience ({reducer.patience}) is not shorter than EarlyStopping's "
                f"({stopper.patience}): training stops before the learning rate can ever drop. "
                "Give ReduceLROnPlateau the shorter patience."
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

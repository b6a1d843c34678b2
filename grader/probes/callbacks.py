"""Probe make_callbacks: call it, read each callback's settings, and let Keras resolve mode "auto"."""
from __future__ import annotations

import copy
import dataclasses
import inspect
import math
from pathlib import Path, PurePath

from grader.facts import CallbackFacts, CallbacksFacts, Failure
from grader.probes.model import replay_model, student_model
from grader.probes.student_code import Submission
from grader.questions import current

# make_callbacks receives this path; facts show it with this token in place of the
# scratch folder, so the same submission gives the same facts on every machine.
SCRATCH_TOKEN = "<scratch>"
GIVEN_CHECKPOINT_NAME = "grader_checkpoint.keras"
KINDS = ("ModelCheckpoint", "EarlyStopping", "ReduceLROnPlateau")


def probe_callbacks(submission: Submission, scratch: Path) -> CallbacksFacts:
    import keras

    given_path = str(Path(scratch) / GIVEN_CHECKPOINT_NAME)
    given_token = f"{SCRATCH_TOKEN}/{GIVEN_CHECKPOINT_NAME}"
    make_callbacks = submission.function("callbacks", "make_callbacks")
    if isinstance(make_callbacks, Failure):
        return CallbacksFacts(given_checkpoint_path=given_token, failure=make_callbacks)

    _model, model_logs, _labels, model_failure = student_model(submission)
    reference_shaped = replay_model()

    returned, failure = submission.call(make_callbacks, given_path)
    if failure:
        return CallbacksFacts(given_checkpoint_path=given_token, failure=failure,
                              model_logs=model_logs, model_failure=model_failure)
    items = list(returned) if isinstance(returned, (list, tuple)) else []
    callbacks = []
    for index, cb in enumerate(items):
        # Reading an object runs its code (properties, __repr__): guarded like any other call.
        facts, failure = submission.call(_read_callback, cb, keras, reference_shaped, given_path)
        if failure:
            facts = CallbackFacts(kind=None, class_name=f"{_type_name(cb)} (unreadable: {failure.summary})")
        elif facts.kind and facts.config is not None:
            customized, failure = submission.call(_customized, cb, facts.kind, keras)
            if failure or customized:
                unlike = (f"reading it raised {failure.summary}" if failure else _acts_unlike_stated(
                    submission, make_callbacks, index, type(cb), facts, keras, reference_shaped, given_path))
                facts = dataclasses.replace(facts, acts_unlike_stated=unlike)
        callbacks.append(facts)
    callbacks = tuple(callbacks)

    default_path, default_failure = None, None
    defaults, default_failure = submission.call(make_callbacks)
    if default_failure is None:
        checkpoints = [cb for cb in (defaults if isinstance(defaults, (list, tuple)) else [])
                       if is_kind(cb, "ModelCheckpoint")]
        default_path = str(_setting(checkpoints[0], "filepath")) if checkpoints else None

    return CallbacksFacts(
        given_checkpoint_path=given_token,
        returned_type=type(returned).__name__,
        callbacks=callbacks,
        default_checkpoint_path=default_path,
        default_failure=default_failure,
        model_logs=model_logs,
        model_failure=model_failure,
    )


def _read_callback(cb, keras, reference_shaped, given_path: str) -> CallbackFacts:
    """What one returned object is and holds; nothing it does may stop the probe."""
    try:
        kind = next((k for k in KINDS if is_kind(cb, k)), None)
        direction, problem = _resolve_direction(cb, reference_shaped)
        filepath = _tokenized({"filepath": _setting(cb, "filepath")}, given_path)["filepath"]
        return CallbackFacts(
            kind=kind,
            class_name=type(cb).__name__,
            monitor=_setting(cb, "monitor"),
            mode=_setting(cb, "mode"),
            direction=direction,
            direction_problem=problem,
            patience=_setting(cb, "patience"),
            factor=_setting(cb, "factor"),
            min_delta=_setting(cb, "min_delta"),
            save_best_only=_setting(cb, "save_best_only"),
            save_weights_only=_setting(cb, "save_weights_only"),
            filepath=None if filepath is None else str(filepath),
            restore_best_weights=_setting(cb, "restore_best_weights"),
            config=_tokenized(constructor_config(cb, kind, keras), given_path) if kind else None,
        )
    except Exception as error:  # a property that raises, a __class__ that lies, ...
        return CallbackFacts(kind=None, class_name=f"{type(cb).__name__} (unreadable: {error})")


# Validation histories (val_loss, val_accuracy) on which a customized callback must act as
# the plain Keras callback with its stated settings would: a long flat stretch, and an
# improvement after a long wait; then the grading's questions (`stated_checks`): the training
# run's plateau and the property test's list, where the worker's answers are checked outside
# against its stated settings (an honest worker says first when they disagree).
STATED_CHECKS = (
    ((0.6,) * 14, (0.6,) * 14),
    ((0.7, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5),
     (0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7)),
)


def stated_checks() -> tuple:
    asked = current()
    return (asked.plateau, *STATED_CHECKS, *asked.histories)


HOOKS = ("on_train_begin", "on_epoch_begin", "on_epoch_end", "on_train_end", "set_model", "set_params")


def _customized(cb, kind: str, keras) -> bool:
    """Not the plain Keras class, or hooks of its own on the object: it may not do what its settings say."""
    own = object.__getattribute__(cb, "__dict__") if hasattr(type(cb), "__dict__") else {}
    return type(cb) is not getattr(keras.callbacks, kind) or any(name in own for name in HOOKS)


def _type_name(cb) -> str:
    return getattr(type(cb), "__name__", "object")


def _acts_unlike_stated(submission, make_callbacks, index: int, cls, facts: CallbackFacts, keras, model,
                        given_path: str) -> str | None:
    """How a customized callback acts unlike `keras.callbacks.<kind>(**its stated settings)`, if it does.

    Each check replays a fresh object from make_callbacks (called exactly as before) and a
    plain Keras callback built from the settings the object states, alone, on the same
    history, without training; the plain one on a model student code never sees.
    """
    from grader.probes.model import reference_replay_model
    from grader.probes.replay import rebuild_callback, replay

    folder = Path(given_path).parent / "stated"
    folder.mkdir(parents=True, exist_ok=True)
    settings = {key: value for key, value in facts.config.items() if key != "filepath"}
    shown = ", ".join(f"{key}={value!r}" for key, value in settings.items())
    try:
        checks = stated_checks()
        plain = [rebuild_callback(facts.kind, facts.config, folder) for _ in checks]
    except Exception:  # settings Keras itself refuses: the configuration items say so
        return None
    for (val_loss, val_accuracy), genuine in zip(checks, plain):
        returned, failure = submission.call(make_callbacks, given_path)
        if failure:
            return f"make_callbacks() raised when called again: {failure.summary}"
        if not isinstance(returned, (list, tuple)) or len(returned) <= index or type(returned[index]) is not cls:
            return "make_callbacks() returned something else when called again"
        theirs, failure = submission.call(replay, [returned[index]], val_loss, val_accuracy, model)
        try:
            expected = replay([genuine], val_loss, val_accuracy, reference_replay_model())
        except Exception:
            return None
        if failure:
            return f"replayed alone on a validation history it raised {failure.summary}"
        if _events(theirs) != _events(expected):
            return (f"on val_loss {list(val_loss)} (val_accuracy {list(val_accuracy)}) it "
                    f"{_story(theirs)}, while keras.callbacks.{facts.kind}({shown}) {_story(expected)}")
    return None


def _events(timeline) -> tuple:
    return timeline.lr_drops(), timeline.saves(), timeline.last_epoch


def _story(timeline) -> str:
    """What a replay shows, in words: only the events it has (and whether it stopped)."""
    drops, saves, last = _events(timeline)
    parts = []
    if drops:
        parts.append(f"lowers the learning rate after epochs {', '.join(map(str, drops))}")
    if saves:
        parts.append(f"saves after epochs {', '.join(map(str, saves))}")
    parts.append(f"stops after epoch {last}" if last < timeline.epochs_requested else "does not stop early")
    return ", ".join(parts)


def is_kind(cb, kind: str) -> bool:
    """Whether the object really is a Keras callback of this kind (a subclass counts).

    Asks its real type, not isinstance: an object can claim any class through a
    `__class__` property, and isinstance believes it.
    """
    import keras

    return issubclass(type(cb), getattr(keras.callbacks, kind))


def _tokenized(config: dict, given_path: str) -> dict:
    """The config with the grader's scratch path written as a token: the same on every machine."""
    if config.get("filepath") is not None and _same_path(config["filepath"], given_path):
        config = {**config, "filepath": f"{SCRATCH_TOKEN}/{GIVEN_CHECKPOINT_NAME}"}
    return config


def _same_path(filepath, given_path: str) -> bool:
    try:
        return Path(str(filepath)).resolve() == Path(given_path).resolve()
    except (OSError, ValueError, TypeError):
        return False


def constructor_config(cb, kind: str, keras) -> dict:
    """The Keras constructor arguments of a callback, read back from its attributes.

    Keras callbacks have no get_config(); their constructors store each argument under
    the same name (min_delta as its absolute value), which is what this reads.
    """
    parameters = inspect.signature(getattr(keras.callbacks, kind).__init__).parameters
    config = {}
    for name in parameters:
        value = _setting(cb, name)
        if name in ("self", "kwargs", "verbose") or value is None:
            continue
        if name == "min_delta" and isinstance(value, (int, float)):
            value = abs(value)
        config[name] = value
    if "initial_value_threshold" in parameters:  # Keras keeps it as `best`, +-inf when not given
        best = _setting(cb, "best")
        if isinstance(best, (int, float)) and not isinstance(best, bool) and math.isfinite(best):
            config["initial_value_threshold"] = best
    return config


def _resolve_direction(cb, model):
    """("min"|"max"|None, problem): the direction Keras settles on when training starts.

    Keras 3 picks the comparison lazily (`_set_monitor_op`, at the first epoch end), so
    it is resolved here on a shallow copy attached to a compiled model, leaving the
    student's object untouched.
    """
    if not hasattr(cb, "monitor"):
        return None, None
    probe = copy.copy(cb)
    try:
        probe.set_model(model)
        if hasattr(probe, "_set_monitor_op"):
            probe.monitor_op = None
            probe._set_monitor_op()
        op = getattr(probe, "monitor_op", None)
    except Exception as error:
        return None, str(error)
    name = getattr(op, "__name__", "")
    if name in ("less", "np_less", "less_equal"):
        return "min", None
    if name in ("greater", "np_greater", "greater_equal"):
        return "max", None
    return None, f"Keras settled on an unknown comparison ({name or op!r})"


def _setting(cb, name):
    """A setting as the object holds it, JSON-safe: scalars as they are, anything else as its repr."""
    try:
        value = getattr(cb, name, None)
    except Exception as error:
        return f"<unreadable: {type(error).__name__}>"
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        try:
            value = value.item()
        except Exception:
            pass
    if value is None:
        return value
    for plain in (bool, int, str):  # exact types: a subclass may redefine == to agree with anything
        if isinstance(value, plain):
            return plain.__new__(plain, value) if plain is not bool else bool(int(value))
    if isinstance(value, float):
        value = float.__new__(float, value)
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, PurePath):
        return str(value)
    return repr(value)

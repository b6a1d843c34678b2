"""Probe make_callbacks: call it, read each callback's settings, and let Keras resolve mode "auto"."""
from __future__ import annotations

import copy
import inspect
from pathlib import Path

from grader.facts import CallbackFacts, CallbacksFacts, Failure
from grader.probes.model import assignment_shaped_model, student_model
from grader.probes.student_code import Submission

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

    own_model, model_logs, _labels, model_failure = student_model(submission)
    reference_shaped = assignment_shaped_model()

    returned, failure = submission.call(make_callbacks, checkpoint_path=given_path)
    if failure:
        return CallbacksFacts(given_checkpoint_path=given_token, failure=failure,
                              model_logs=model_logs, model_failure=model_failure)
    items = list(returned) if isinstance(returned, (list, tuple)) else []
    callbacks = tuple(
        _read_callback(cb, keras, reference_shaped, own_model, str(scratch)) for cb in items
    )

    default_path, default_failure = None, None
    defaults, default_failure = submission.call(make_callbacks)
    if default_failure is None:
        checkpoints = [cb for cb in (defaults if isinstance(defaults, (list, tuple)) else [])
                       if isinstance(cb, keras.callbacks.ModelCheckpoint)]
        default_path = str(checkpoints[0].filepath) if checkpoints else None

    return CallbacksFacts(
        given_checkpoint_path=given_token,
        returned_type=type(returned).__name__,
        callbacks=callbacks,
        default_checkpoint_path=default_path,
        default_failure=default_failure,
        model_logs=model_logs,
        model_failure=model_failure,
    )


def _read_callback(cb, keras, reference_shaped, own_model, scratch: str) -> CallbackFacts:
    kind = next((k for k in KINDS if isinstance(cb, getattr(keras.callbacks, k))), None)
    direction, problem = _resolve_direction(cb, reference_shaped)
    own_direction, own_problem = _resolve_direction(cb, own_model) if own_model else (None, None)
    filepath = getattr(cb, "filepath", None)
    if filepath is not None:
        filepath = str(filepath).replace(scratch, SCRATCH_TOKEN)
    return CallbackFacts(
        kind=kind,
        class_name=type(cb).__name__,
        monitor=_plain(getattr(cb, "monitor", None), str),
        mode=_plain(getattr(cb, "mode", None), str),
        direction=direction,
        direction_problem=problem,
        direction_on_own_model=own_direction,
        direction_problem_on_own_model=own_problem,
        patience=_plain(getattr(cb, "patience", None), int),
        factor=_plain(getattr(cb, "factor", None), float),
        min_delta=_plain(getattr(cb, "min_delta", None), float),
        save_best_only=_plain(getattr(cb, "save_best_only", None), bool),
        save_weights_only=_plain(getattr(cb, "save_weights_only", None), bool),
        filepath=filepath,
        restore_best_weights=_plain(getattr(cb, "restore_best_weights", None), bool),
        config=constructor_config(cb, kind, keras) if kind else None,
    )


def constructor_config(cb, kind: str, keras) -> dict:
    """The Keras constructor arguments of a callback, read back from its attributes.

    Keras callbacks have no get_config(); their constructors store each argument under
    the same name (min_delta as its absolute value), which is what this reads.
    """
    parameters = inspect.signature(getattr(keras.callbacks, kind).__init__).parameters
    config = {}
    for name in parameters:
        value = getattr(cb, name, None)
        if name in ("self", "kwargs", "verbose") or value is None:
            continue
        if name == "min_delta":
            value = abs(float(value))
        if isinstance(value, (bool, int, float, str)):
            config[name] = value
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


def _plain(value, kind):
    """A JSON-safe copy of a setting, or None when it is missing or of the wrong kind."""
    if value is None:
        return None
    try:
        return kind(value)
    except (TypeError, ValueError):
        return None

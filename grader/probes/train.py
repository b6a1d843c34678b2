"""Probe train() with a recording model and summarize() on a fixed corpus of generated histories.

train() gets a real tiny compiled model whose fit only records how it was called,
so no training happens. summarize() answers for every history of a fixed corpus
(seeded, the same everywhere); the reference answers for the same corpus, and the
verdict compares the two, smallest history first.
"""
from __future__ import annotations

import numpy as np

from grader.corpus import corpus, held_back  # noqa: F401  (the corpus is drawn there; kept importable here)
from grader.facts import TrainFacts, Failure
from grader.probes.model import assignment_shaped_model

TRAIN_EPOCHS = 7  # what the grader passes to train(): not the default of 50
SUMMARY_KEYS = ("epochs_run", "stopped_early", "lr_reduced", "final_lr", "best_epoch", "best_val_accuracy")
SHOWN_TEXT = 120  # characters of a text answer (or an object's repr) kept in the facts
def make_history(data: dict):
    import keras

    history = keras.callbacks.History()
    history.history = {key: list(values) for key, values in data["history"].items()}
    history.params = dict(data["params"])
    history.epoch = list(range(len(data["history"]["val_accuracy"])))
    return history


def probe_train(submission, scratch) -> TrainFacts:
    from grader.questions import current

    train_facts = _probe_train_call(submission)
    return TrainFacts(**train_facts, **_probe_summarize(submission), asked=current().digest)


def _probe_train_call(submission) -> dict:
    import keras
    import tensorflow as tf

    train = submission.function("train", "train")
    if isinstance(train, Failure):
        return {"train_failure": train}
    model = assignment_shaped_model()
    history = keras.callbacks.History()
    history.history, history.params = {"val_accuracy": [0.5]}, {"epochs": TRAIN_EPOCHS}
    calls = []
    train_ds = tf.data.Dataset.from_tensor_slices((np.zeros((4, 4), "float32"), np.zeros((4, 1), "float32"))).batch(2)
    val_ds = tf.data.Dataset.from_tensor_slices((np.zeros((2, 4), "float32"), np.zeros((2, 1), "float32"))).batch(2)
    callbacks = [keras.callbacks.EarlyStopping(patience=5), keras.callbacks.ReduceLROnPlateau(patience=3)]

    def recording_fit(*args, **kwargs):
        names = ("x", "y", "batch_size", "epochs", "verbose", "callbacks", "validation_split", "validation_data")
        bound = dict(zip(names, args), **kwargs)
        calls.append({
            "x": _which(bound.get("x"), train_ds, val_ds),
            "validation_data": _which(bound.get("validation_data"), train_ds, val_ds),
            "callbacks": _callbacks_passed(bound.get("callbacks"), callbacks),
            "epochs": bound.get("epochs", 1) if isinstance(bound.get("epochs", 1), int) else repr(bound["epochs"]),
        })
        return history

    model.fit = recording_fit
    returned, failure = submission.call(train, model, train_ds, val_ds, callbacks, epochs=TRAIN_EPOCHS)
    if failure:
        return {"train_failure": failure, "fit_calls": tuple(calls)}
    shown = "the History from fit" if returned is history else type(returned).__name__
    return {"fit_calls": tuple(calls), "returned": shown}


def _which(value, train_ds, val_ds) -> str:
    import tensorflow as tf

    if value is None:
        return "nothing"
    if value is train_ds:
        return "the training set"
    if value is val_ds:
        return "the validation set"
    if isinstance(value, tf.data.Dataset):
        return "a dataset made from one of them"
    return f"a {type(value).__name__}"


def _callbacks_passed(value, given) -> str:
    if value is None:
        return "none"
    try:
        passed = list(value)
    except TypeError:
        return f"a {type(value).__name__}"
    if all(any(p is g for p in passed) for g in given):
        return "all the callbacks given"
    if not passed:
        return "an empty list"
    return "other callbacks than the ones given"


def _probe_summarize(submission) -> dict:
    from grader.questions import current

    summarize = submission.function("train", "summarize")
    histories_ = current().summaries
    if isinstance(summarize, Failure):
        return {"summarize_failure": summarize, "histories": histories_}
    summaries, failures = [], []
    for data in histories_:
        answer, failure = submission.call(summarize, make_history(data))
        if failure and failure.kind in ("not_implemented", "timeout", "exited", "tampered"):
            return {"summarize_failure": failure, "histories": histories_}
        summaries.append(None if failure else _plain_summary(answer))
        failures.append(failure.summary if failure else None)
    return {"histories": histories_, "summaries": tuple(summaries), "summary_failures": tuple(failures)}


def _plain_summary(answer) -> dict:
    """The answer's values as JSON-safe Python values, keeping bool, int and float apart.

    No value the assignment asks for is text: a string, or an object shown by its repr, is
    kept to its first SHOWN_TEXT characters, enough to show what it was. Kept whole, an
    answer holding a whole history as text would make the facts of 80 answers too long to
    leave the batch sandbox (its facts channel takes 4 MiB a line).
    """
    if not isinstance(answer, dict):
        return {"__type__": type(answer).__name__}
    plain = {}
    for key in SUMMARY_KEYS:
        if key not in answer:
            continue
        value = answer[key]
        if isinstance(value, np.generic):
            value = value.item()
        if not isinstance(value, (bool, int, float, str, type(None))):
            value = _short_repr(value)
        if isinstance(value, str) and len(value) > SHOWN_TEXT:
            value = value[:SHOWN_TEXT] + "…"
        plain[key] = value
    return plain


def _short_repr(value) -> str:
    """repr(value), without building the whole of a huge one (a list of a million floats)."""
    import reprlib

    shown = reprlib.Repr()
    shown.maxstring = shown.maxother = shown.maxlong = SHOWN_TEXT
    try:
        return shown.repr(value)
    except Exception as error:  # a repr that raises: say what it was
        return f"<{type(value).__name__}: repr raised {type(error).__name__}>"

"""Probe train() with a recording model and summarize() on a fixed corpus of generated histories.

train() gets a real tiny compiled model whose fit only records how it was called,
so no training happens. summarize() answers for every history of a fixed corpus
(seeded, the same everywhere); the reference answers for the same corpus, and the
verdict compares the two, smallest history first.
"""
from __future__ import annotations

import functools
import random

import numpy as np

from grader.facts import TrainFacts, Failure
from grader.probes.model import assignment_shaped_model

TRAIN_EPOCHS = 7  # what the grader passes to train(): not the default of 50
SUMMARY_KEYS = ("epochs_run", "stopped_early", "lr_reduced", "final_lr", "best_epoch", "best_val_accuracy")
ACCURACY_LEVELS = (0.5, 0.6, 0.7, 0.8)  # few levels: ties for the best epoch are common


CORPUS_SIZE = 60
CORPUS_SEED = 20261127
# Histories whose reference answers are not in the public profile but in grader/hidden
# (see grader.profile): a summarize that looks answers up in the profile fails on them.
HELD_BACK_SIZE = 20
HELD_BACK_SEED = CORPUS_SEED + 1


def _history(rng: random.Random, run: int) -> dict:
    """A history as fit would leave it with ReduceLROnPlateau and EarlyStopping in the list."""
    pick = lambda options: options[int(rng.random() * len(options))]  # noqa: E731  random() only: stable
    requested = pick([run, run + 1, run + 5, 50])
    val_accuracy = [pick(ACCURACY_LEVELS) for _ in range(run)]
    drops = {1 + int(rng.random() * (run - 1)) for _ in range(int(rng.random() * 4))} if run > 1 else set()
    learning_rate, rates = 1e-3, []
    for epoch in range(run):
        if epoch in drops:
            learning_rate *= 0.5
        rates.append(learning_rate)
    val_loss = [round(1.0 - a / 2, 4) for a in val_accuracy]
    return {
        "params": {"epochs": requested, "steps": 4, "verbose": 0},
        "history": {"loss": val_loss, "accuracy": val_accuracy, "val_loss": val_loss,
                    "val_accuracy": val_accuracy, "learning_rate": rates},
    }


@functools.lru_cache(maxsize=1)
def held_back() -> tuple[dict, ...]:
    """Histories, made like the corpus's, whose answers only the instructor's copy holds."""
    rng = random.Random(HELD_BACK_SEED)
    published = {repr(history) for history in corpus()}
    found = {}
    lengths = list(range(2, 13)) * 4
    while len(found) < HELD_BACK_SIZE and lengths:
        history = _history(rng, lengths.pop(0))
        if repr(history) not in published:
            found.setdefault(repr(history), history)
    return tuple(sorted(found.values(), key=lambda h: (len(h["history"]["val_accuracy"]), repr(h))))


@functools.lru_cache(maxsize=1)
def corpus() -> tuple[dict, ...]:
    """The same 60 histories on every run, machine and library version, smallest first.

    Drawn from Python's seeded `random.random()`, whose sequence Python keeps the same
    across versions; every length from 1 to 12 epochs appears, so do ties for the best
    epoch, runs that stop early, and runs with no learning-rate drop.
    """
    rng = random.Random(CORPUS_SEED)
    found = {}
    lengths = list(range(1, 13)) * 8
    while len(found) < CORPUS_SIZE and lengths:
        history = _history(rng, lengths.pop(0))
        found.setdefault(repr(history), history)
    return tuple(sorted(found.values(), key=lambda h: (len(h["history"]["val_accuracy"]), repr(h))))


def make_history(data: dict):
    import keras

    history = keras.callbacks.History()
    history.history = {key: list(values) for key, values in data["history"].items()}
    history.params = dict(data["params"])
    history.epoch = list(range(len(data["history"]["val_accuracy"])))
    return history


def probe_train(submission, scratch) -> TrainFacts:
    train_facts = _probe_train_call(submission)
    return TrainFacts(**train_facts, **_probe_summarize(submission))


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
    summarize = submission.function("train", "summarize")
    histories_ = corpus() + held_back()
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
    """The answer's values as JSON-safe Python values, keeping bool, int and float apart."""
    if not isinstance(answer, dict):
        return {"__type__": type(answer).__name__}
    plain = {}
    for key in SUMMARY_KEYS:
        if key not in answer:
            continue
        value = answer[key]
        if isinstance(value, np.generic):
            value = value.item()
        plain[key] = value if isinstance(value, (bool, int, float, str, type(None))) else repr(value)
    return plain

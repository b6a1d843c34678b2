"""Probe train() with a recording model and summarize() on a fixed corpus of generated histories.

train() gets a real tiny compiled model whose fit only records how it was called,
so no training happens. summarize() answers for every history of a fixed corpus
(seeded, the same everywhere); the reference answers for the same corpus, and the
verdict compares the two, smallest history first.
"""
from __future__ import annotations

import functools
import random
import struct

import numpy as np

from grader.facts import TrainFacts, Failure
from grader.probes.model import assignment_shaped_model

TRAIN_EPOCHS = 7  # what the grader passes to train(): not the default of 50
SUMMARY_KEYS = ("epochs_run", "stopped_early", "lr_reduced", "final_lr", "best_epoch", "best_val_accuracy")
SHOWN_TEXT = 120  # characters of a text answer (or an object's repr) kept in the facts
# Few levels of each, drawn independently: ties for the highest val_accuracy and for the
# lowest val_loss are common, and the two often fall on different epochs.
ACCURACY_LEVELS = (0.5, 0.6, 0.7, 0.8)
LOSS_LEVELS = (0.45, 0.5, 0.55, 0.6, 0.65, 0.7)
# The optimizer's starting rate: mostly Adam's 1e-3, but not always (lr_reduced compares with
# the first rate recorded, never with a constant), and ReduceLROnPlateau's factor.
START_RATES = (1e-3, 1e-3, 1e-3, 1e-4, 5e-4, 1e-2)
FACTORS = (0.5, 0.5, 0.2, 0.1)

CORPUS_SIZE = 60
CORPUS_SEED = 20261127
# Histories whose reference answers are not in the public profile but in grader/hidden
# (see grader.profile): a summarize that looks answers up in the profile fails on them.
HELD_BACK_SIZE = 20
HELD_BACK_SEED = CORPUS_SEED + 1


def corpus_history(rng: random.Random, run: int) -> dict:
    """A history as fit would leave it with ReduceLROnPlateau and EarlyStopping in the list.

    Every key moves on its own, so that each answer can only be read from the key that
    holds it: val_loss is drawn apart from val_accuracy (its lowest epoch is often not the
    highest val_accuracy's), the training loss and accuracy are not the validation ones,
    the run asks for as many epochs as it ran or more, and the learning rate starts at
    different values and drops (or not) by different factors. It is recorded every epoch
    before that epoch's drop, as ReduceLROnPlateau logs it, and never rises. Half the
    histories hold the float32-rounded values Keras 3 logs, half plain decimals.
    """
    pick = lambda options: options[int(rng.random() * len(options))]  # noqa: E731  random() only: stable
    logged = _float32 if rng.random() < 0.5 else _decimal
    requested = pick([run, run + 1, run + 5, 50])
    val_accuracy = [pick(ACCURACY_LEVELS) for _ in range(run)]
    val_loss = [pick(LOSS_LEVELS) for _ in range(run)]
    # the training metrics: improving epoch by epoch, with noise of their own
    accuracy = [round(min(0.99, 0.6 + 0.03 * epoch + 0.15 * rng.random()), 4) for epoch in range(run)]
    loss = [round(max(0.05, 0.65 - 0.04 * epoch - 0.15 * rng.random()), 4) for epoch in range(run)]
    drops = {1 + int(rng.random() * (run - 1)) for _ in range(int(rng.random() * 4))} if run > 1 else set()
    factor, learning_rate, rates = pick(FACTORS), _float32(pick(START_RATES)), []
    for epoch in range(run):
        if epoch in drops:  # ReduceLROnPlateau lowered the rate after the epoch before
            learning_rate = _float32(learning_rate * factor)
        rates.append(learning_rate)
    logs = {"loss": loss, "accuracy": accuracy, "val_loss": val_loss, "val_accuracy": val_accuracy,
            "learning_rate": rates}
    return {
        "params": {"epochs": requested, "steps": 4, "verbose": 0},
        "history": {key: [logged(value) for value in values] for key, values in logs.items()},
    }


def _float32(value: float) -> float:
    """The value as Keras 3 logs it: a float32 read back into a Python float (1e-3 -> 0.0010000000474974513)."""
    return struct.unpack("f", struct.pack("f", value))[0]


def _decimal(value: float) -> float:
    """The value as the short decimal it stands for (0.0005000000237487257 -> 0.0005)."""
    return float(f"{value:.6g}")


@functools.lru_cache(maxsize=1)
def held_back() -> tuple[dict, ...]:
    """Histories, made like the corpus's, whose answers only the instructor's copy holds."""
    rng = random.Random(HELD_BACK_SEED)
    published = {repr(history) for history in corpus()}
    found = {}
    lengths = list(range(2, 13)) * 4
    while len(found) < HELD_BACK_SIZE and lengths:
        history = corpus_history(rng, lengths.pop(0))
        if repr(history) not in published:
            found.setdefault(repr(history), history)
    return tuple(sorted(found.values(), key=lambda h: (len(h["history"]["val_accuracy"]), repr(h))))


@functools.lru_cache(maxsize=1)
def corpus() -> tuple[dict, ...]:
    """The same 60 histories on every run, machine and library version, smallest first.

    Drawn from Python's seeded `random.random()`, whose sequence Python keeps the same
    across versions; every length from 1 to 12 epochs appears, so do ties for the best
    epoch, runs that stop early and runs that do not, runs with and without learning-rate
    drops. Each answer comes out wrong, in several histories, when read from another key
    or another way than the reference's (tests/test_summarize_corpus.py lists the ways).
    """
    rng = random.Random(CORPUS_SEED)
    found = {}
    lengths = list(range(1, 13)) * 8
    while len(found) < CORPUS_SIZE and lengths:
        history = corpus_history(rng, lengths.pop(0))
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

"""The histories summarize() is asked about: a fixed public corpus, histories held back (their
answers only in the instructor's copy), and drawn ones for a grading's secret questions.

Plain Python (`random.random()` only, whose sequence Python keeps the same across versions):
the trusted side reads it without TensorFlow, and so do the probes.
"""
from __future__ import annotations

import functools
import random
import struct

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



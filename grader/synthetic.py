"""The grader's synthetic data and the scripted plateau: small, seeded, made here, never downloaded.

Grading checks behaviour, not accuracy: a few dozen images at the grading size are
enough to train for real, and a scripted validation history makes the callbacks
fire at known epochs whatever the model learns.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SEED = 20261127

# The scripted plateau. Read with the reference's callbacks (checkpoint on max
# val_accuracy; EarlyStopping patience 5 and ReduceLROnPlateau patience 3 on val_loss):
# val_loss improves to epoch 3, stalls three epochs (LR drop after epoch 6), improves
# at 7, then only worsens (LR drop after 10, stop after 12). val_accuracy reaches new
# highs at epochs 1, 2, 4, 6 and 8, ties at 3, so save-every-epoch, min mode or a
# checkpoint on val_loss each save at other epochs. A wrong patience, a wrong
# monitor or a wrong mode each moves at least one event.
SCRIPTED_VAL_LOSS = (0.70, 0.60, 0.50, 0.52, 0.51, 0.53, 0.45, 0.46, 0.47, 0.48, 0.49, 0.50,
                     0.51, 0.52, 0.53, 0.54, 0.55, 0.56, 0.57, 0.58)
SCRIPTED_VAL_ACCURACY = (0.50, 0.60, 0.60, 0.65, 0.62, 0.70, 0.68, 0.72, 0.71, 0.70, 0.69, 0.69,
                         0.69, 0.69, 0.69, 0.69, 0.69, 0.69, 0.69, 0.69)
SCRIPTED_EPOCHS = len(SCRIPTED_VAL_LOSS)
NATURAL_EPOCHS = 20
LEARNING_EPOCHS = 8

# The sizes a model is graded at, smallest first: 64x64 is small enough to train in a blink and
# large enough for a classic four-block valid-padding CNN; one that cannot take it (five such
# blocks need at least 78 pixels) is graded at the next it takes, up to the assignment's own
# 150x150; after those, at the size build_model() declares with no argument.
GRADING_SIZES = ((64, 64, 3), (96, 96, 3), (128, 128, 3), (150, 150, 3))
GRADING_INPUT_SHAPE = GRADING_SIZES[0]
ASSIGNMENT_INPUT_SHAPE = GRADING_SIZES[-1]


def _height_width(size) -> tuple[int, int]:
    """An image size given as one side (a square) or as (height, width)."""
    return (int(size), int(size)) if np.ndim(size) == 0 else (int(size[0]), int(size[1]))


def blob_images(count: int, size, seed: int = SEED):
    """An easy task: a bright square somewhere in the image (label 1) or none (label 0).

    Any CNN can learn it, with a Flatten head or global pooling alike, since where the
    square lies does not matter. Pixel values are in [0, 1], as the assignment's
    pipeline produces them. `size` is one side, or (height, width).
    """
    rng = np.random.default_rng(seed)
    height, width = _height_width(size)
    images = rng.uniform(0.0, 0.4, size=(count, height, width, 3)).astype("float32")
    labels = np.arange(count) % 2
    rng.shuffle(labels)
    side = min(height, width) // 4
    for image, label in zip(images, labels):
        if label:
            top, left = int(rng.integers(0, height - side)), int(rng.integers(0, width - side))
            image[top:top + side, left:left + side, :] = 1.0
    return images, labels.astype("int64")


def contradictory_images(count: int, size, seed: int = SEED + 1):
    """Labels that cannot be learned: the validation set is the training set with every label flipped.

    Whatever the model learns on the training set makes its validation loss worse,
    so val_loss plateaus and rises, and a correct set of callbacks must lower the
    learning rate and stop early.
    """
    rng = np.random.default_rng(seed)
    images = rng.uniform(0.0, 1.0, size=(count, *_height_width(size), 3)).astype("float32")
    labels = (np.arange(count) % 2).astype("int64")
    rng.shuffle(labels)
    return images, labels, 1 - labels


def labels_as(labels, label_format: str):
    """Integer labels in the shape the model's loss wants: "binary" (n, 1), "sparse" (n,), "onehot" (n, 2)."""
    labels = np.asarray(labels, dtype="int64")
    if label_format == "binary":
        return labels.reshape((-1, 1)).astype("float32")
    if label_format == "onehot":
        return np.eye(2, dtype="float32")[labels]
    return labels


# The explore step's fixed questions, asked by grader.probes.explore and read back by its verdicts.
# (monitor, target, val_loss, val_accuracy): where StopAtTarget must stop, edge cases first.
STOP_CASES = (
    ("val_accuracy", 0.9, (0.70, 0.60, 0.50, 0.45, 0.40, 0.38), (0.50, 0.70, 0.85, 0.91, 0.95, 0.96)),
    ("val_accuracy", 0.8, (0.70, 0.60, 0.50, 0.45, 0.40, 0.38), (0.60, 0.80, 0.90, 0.92, 0.95, 0.96)),
    ("val_accuracy", 0.99, (0.70, 0.60, 0.50, 0.45, 0.40, 0.38), (0.50, 0.70, 0.85, 0.91, 0.95, 0.96)),
    ("val_accuracy", 0.5, (0.70, 0.60, 0.50, 0.45, 0.40, 0.38), (0.55, 0.60, 0.65, 0.70, 0.75, 0.80)),
    ("val_accuracy", 0.9, (0.70, 0.60, 0.65, 0.62, 0.60, 0.58), (0.60, 0.92, 0.70, 0.72, 0.75, 0.76)),
    ("val_loss", 0.3, (0.70, 0.50, 0.35, 0.30, 0.20, 0.10), (0.50, 0.60, 0.70, 0.80, 0.90, 0.95)),
    ("val_loss", 0.4, (0.70, 0.45, 0.38, 0.30, 0.20, 0.10), (0.50, 0.60, 0.70, 0.80, 0.90, 0.95)),
    ("val_loss", 0.05, (0.70, 0.45, 0.38, 0.30, 0.20, 0.10), (0.50, 0.60, 0.70, 0.80, 0.90, 0.95)),
)
MISSING_METRIC = ("val_auc", 0.9)  # a metric the logs never have
# (epoch, the rate warmup is given): the warm-up's epochs (one handed a rate other than the base, as a
# real fit hands it the rate the warm-up set the epoch before), then rates ReduceLROnPlateau could have set.
RATE_CASES = ((0, 1e-3), (1, 5e-4), (2, 1e-3), (3, 1e-3), (4, 5e-4), (7, 2.5e-4), (10, 1.25e-4), (3, 3e-4))
WARMUP_EPOCHS, BASE_LEARNING_RATE = 3, 1e-3  # the assignment's (explore.py's constants)
# The real fit's StopAtTarget: on val_accuracy it stops the scripted plateau at its epoch 8 (0.72 against
# 0.71: no tie), after ReduceLROnPlateau's drop at the end of epoch 6, before EarlyStopping's stop.
RUN_MONITOR, RUN_TARGET = "val_accuracy", 0.71
# Replays of StopAtTarget beside the reference's three on the same plateau, (where, target): after
# them; and with a target never reached, before and after them, where EarlyStopping's stop must stand.
POSITION_CASES = (("after", RUN_TARGET), ("before", 0.99), ("after", 0.99))


@dataclass(frozen=True)
class ExploreQuestions:
    """What the explore step asks: (monitor, target, val_loss, val_accuracy) StopAtTarget is replayed on,
    (epoch, lr) warmup is called with, and (where, target) StopAtTarget is replayed with beside the
    reference's three callbacks on `plateau`."""

    stops: tuple
    rates: tuple
    positions: tuple
    plateau: tuple


# The public questions (pytest grader, the profile): the fixed cases above, the real fit's plateau.
PUBLIC_EXPLORE = ExploreQuestions(stops=STOP_CASES, rates=RATE_CASES, positions=POSITION_CASES,
                                  plateau=(tuple(SCRIPTED_VAL_LOSS), tuple(SCRIPTED_VAL_ACCURACY)))

"""Phrases and small tables that several areas' verdicts use in their feedback."""
from __future__ import annotations

from grader.synthetic import GRADING_INPUT_SHAPE


def size_text(shape) -> str:
    return f"{shape[0]}x{shape[1]}"


def graded_size_note(shape) -> str:
    """The note for a model graded at a size other than the grader's smallest: the same words from
    the model area and the training runs' area, so that a grade with both shows it once (the model
    area says why, in a note of its own)."""
    return (f"Your model was graded and trained on {size_text(shape)} images (the grader's smallest is "
            f"{size_text(GRADING_INPUT_SHAPE)}).")


def epochs_text(epochs) -> str:
    epochs = list(epochs)
    if not epochs:
        return "no epoch"
    if len(epochs) == 1:
        return f"epoch {epochs[0]}"
    return "epochs " + ", ".join(str(e) for e in epochs[:-1]) + f" and {epochs[-1]}"


def history_table(epochs, val_loss, val_accuracy) -> str:
    """A validation history as a small table a student can follow epoch by epoch ("-": not logged)."""

    def row(values) -> str:
        return " ".join(f"{v:>5.2f}" if v is not None else "    -" for v in values)

    return "\n".join([
        "    epoch         " + " ".join(f"{e:>5}" for e in epochs),
        "    val_loss      " + row(val_loss),
        "    val_accuracy  " + row(val_accuracy),
    ])

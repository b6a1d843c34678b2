"""Phrases and small tables that several areas' verdicts use in their feedback."""
from __future__ import annotations


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

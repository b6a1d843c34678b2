"""Mistake: the value is compared with >= target whatever the monitor, so with monitor="val_loss" training stops at the first epoch whose loss is still above the target instead of the first one at or below it.

Modelled on: romaingautron/transboost kerasImplementation/callbackBoosting.py (a callback with a
`metric` argument that stops when `logs.get(self.metric) >= self.threshold`) and a public
`MetricThreshold` callback (found by code search) whose docstring offers "val_accuracy" or "loss"
as monitors but that only stops when the metric exceeds the threshold. A missing metric is
handled as asked (a warning, and training goes on).
"""
import os
import warnings

import keras

WARMUP_EPOCHS = 3
BASE_LEARNING_RATE = 1e-3


class StopAtTarget(keras.callbacks.Callback):
    """Stop training as soon as `monitor` reaches `target` at the end of an epoch."""

    def __init__(self, monitor="val_accuracy", target=0.9):
        super().__init__()
        self.monitor = monitor
        self.target = target

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(
                f"StopAtTarget: {self.monitor!r} is not in the logs "
                f"(available: {', '.join(sorted(logs))}); training goes on."
            )
            return
        if value >= self.target:
            print(f"\nEpoch {epoch + 1}: {self.monitor} = {value:.4f} reached {self.target}")
            self.model.stop_training = True


def warmup(epoch, lr):
    if epoch < WARMUP_EPOCHS:
        return BASE_LEARNING_RATE * (epoch + 1) / WARMUP_EPOCHS
    return lr


def make_logging_callbacks(log_dir="logs"):
    os.makedirs(log_dir, exist_ok=True)
    return [
        keras.callbacks.CSVLogger(os.path.join(log_dir, "training.csv")),
        keras.callbacks.TensorBoard(log_dir=log_dir),
    ]

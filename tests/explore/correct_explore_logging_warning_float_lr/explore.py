"""Correct: a missing metric is reported with logging.warning instead of warnings.warn (the step allows either) and training goes on; after the warm-up warmup returns float(lr), the rate it is given, unchanged.

Modelled on: a public `MetricThreshold` Keras callback that reports through the logging module
(found by code search; the index does not name its repository) and the `scheduler(epoch, lr)`
functions public Keras code writes with `return float(lr)` (found by exact-string search), the
float() added because LearningRateScheduler refuses anything but a float.
"""
import logging
import os

import keras

WARMUP_EPOCHS = 3
BASE_LEARNING_RATE = 1e-3


class StopAtTarget(keras.callbacks.Callback):
    """Stop at the end of the first epoch where `monitor` reaches `target`."""

    def __init__(self, monitor="val_accuracy", target=0.9):
        super().__init__()
        self.monitor = monitor
        self.target = target

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.monitor not in logs:
            logging.warning(
                "StopAtTarget: metric %r not found in the logs (available: %s); not stopping.",
                self.monitor, ", ".join(sorted(logs)),
            )
            return
        value = logs[self.monitor]
        higher_is_better = "loss" not in self.monitor
        if (value >= self.target) if higher_is_better else (value <= self.target):
            self.model.stop_training = True


def warmup(epoch, lr):
    if epoch < WARMUP_EPOCHS:
        return BASE_LEARNING_RATE * (epoch + 1) / WARMUP_EPOCHS
    return float(lr)


def make_logging_callbacks(log_dir="logs"):
    os.makedirs(log_dir, exist_ok=True)
    return [
        keras.callbacks.CSVLogger(os.path.join(log_dir, "training.csv")),
        keras.callbacks.TensorBoard(log_dir=log_dir),
    ]

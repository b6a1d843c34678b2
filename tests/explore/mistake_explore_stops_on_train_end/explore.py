"""Mistake: the callback only records the monitored value at each epoch and decides in on_train_end, when training is already over, so it never stops training early.

Modelled on: a public tf.keras `MonitorValLossCallback` (found by code search; the index does not
name its repository) that checks the validation loss against a threshold in on_train_end,
"when the model stops training", and the on_train_end hook as keras.io's "Writing your own
callbacks" guide lists it (rdrr.io mirror: https://rdrr.io/github/rstudio/keras/f/.tether/vignettes-src/writing_your_own_callbacks.Rmd).
The comparison and the warning for a missing metric are right; only the moment is wrong.
"""
import os
import warnings

import keras

WARMUP_EPOCHS = 3
BASE_LEARNING_RATE = 1e-3


class StopAtTarget(keras.callbacks.Callback):
    """Stop training once `monitor` has reached `target`."""

    def __init__(self, monitor="val_accuracy", target=0.9):
        super().__init__()
        self.monitor = monitor
        self.target = target
        self.last_value = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.monitor not in logs:
            warnings.warn(f"{self.monitor} is not available; available metrics: {list(logs)}")
            return
        self.last_value = logs[self.monitor]

    def on_train_end(self, logs=None):
        if self.last_value is None:
            return
        if "loss" in self.monitor:
            reached = self.last_value <= self.target
        else:
            reached = self.last_value >= self.target
        if reached:
            print(f"{self.monitor} reached {self.target}: stopping training")
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

"""Mistake: `self.model.stop_training = reached` is assigned at every epoch, False included, so placed after EarlyStopping in the callback list it cancels the stop EarlyStopping has just asked for; the result depends on the callback's position.

Modelled on: public copies of the course callback written as one assignment,
`self.model.stop_training = logs.get('accuracy') > 0.99` (two MNIST scripts found by exact-string
search; the index does not name their repositories). Here it reads `self.monitor`, compares in
the right direction and warns on a missing metric without touching stop_training.
"""
import os
import warnings

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
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(f"StopAtTarget: {self.monitor} not found in logs {sorted(logs)}")
            return
        if "loss" in self.monitor:
            self.model.stop_training = value <= self.target
        else:
            self.model.stop_training = value >= self.target


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

"""Mistake: the TensorBoard writes to "logs/fit/<timestamp>" relative to the current directory, copied from the TensorBoard tutorial, instead of under log_dir; the event files are not where they are asked for.

Modelled on: TensorFlow's "Get started with TensorBoard" tutorial as tutorials repeat it,
`log_dir = "logs/fit/" + datetime.datetime.now().strftime("%Y%m%d-%H%M%S")` then
`TensorBoard(log_dir=log_dir, histogram_freq=1)` (e.g. https://apxml.com/courses/getting-started-with-tensorflow/chapter-4-training-evaluating-models/visualizing-tensorboard).
The CSVLogger does use log_dir.
"""
import datetime
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
            warnings.warn(f"StopAtTarget: {self.monitor!r} not in logs (keys: {sorted(logs)})")
            return
        if "loss" in self.monitor:
            reached = value <= self.target
        else:
            reached = value >= self.target
        if reached:
            self.model.stop_training = True


def warmup(epoch, lr):
    if epoch < WARMUP_EPOCHS:
        return BASE_LEARNING_RATE * (epoch + 1) / WARMUP_EPOCHS
    return lr


def make_logging_callbacks(log_dir="logs"):
    os.makedirs(log_dir, exist_ok=True)
    csv_logger = keras.callbacks.CSVLogger(os.path.join(log_dir, "training.csv"))
    tb_dir = "logs/fit/" + datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    tensorboard = keras.callbacks.TensorBoard(log_dir=tb_dir, histogram_freq=1)
    return [csv_logger, tensorboard]

"""Mistake: the CSVLogger writes "training.csv" in the current directory, not inside log_dir, so the CSV log is not where the logs are asked for (and each run from the same folder overwrites it).

Modelled on: the CSVLogger example of the Keras/TensorFlow API docs, `CSVLogger('training.log')`
(tensorflow/docs site/en/api_docs/python/tf/keras/callbacks/CSVLogger.md), and
klauscc/lipnet-replication train.py (a CSVLogger on a fixed path of its own, beside the run's
other callbacks). The TensorBoard does use log_dir.
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
            warnings.warn(f"StopAtTarget: {self.monitor!r} is missing from the logs ({', '.join(logs)})")
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
    csv_logger = keras.callbacks.CSVLogger("training.csv")
    tensorboard = keras.callbacks.TensorBoard(log_dir=log_dir)
    return [csv_logger, tensorboard]

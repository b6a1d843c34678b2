"""Mistake: make_logging_callbacks returns only the CSVLogger; the TensorBoard is left for later, so no event files are written.

Modelled on: klauscc/lipnet-replication train.py (ModelCheckpoint and CSVLogger, no TensorBoard)
and a public CSVLogger subclass whose import line reads `from keras.callbacks import CSVLogger#,
TensorBoard # TODO implement tensorboard` (found by code search). The CSVLogger is right.
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
            warnings.warn(f"StopAtTarget: {self.monitor!r} is not logged; have {sorted(logs)}")
            return
        reached = value <= self.target if "loss" in self.monitor else value >= self.target
        if reached:
            self.model.stop_training = True


def warmup(epoch, lr):
    if epoch < WARMUP_EPOCHS:
        return BASE_LEARNING_RATE * (epoch + 1) / WARMUP_EPOCHS
    return lr


def make_logging_callbacks(log_dir="logs"):
    os.makedirs(log_dir, exist_ok=True)
    csv_logger = keras.callbacks.CSVLogger(os.path.join(log_dir, "training.csv"))
    # TODO: TensorBoard
    return [csv_logger]

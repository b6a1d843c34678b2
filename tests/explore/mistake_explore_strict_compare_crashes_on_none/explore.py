"""Mistake: strict comparisons (> target, < target for a loss) miss an epoch that lands exactly on the target, and after warning about a missing metric the code goes on to compare None with a float, which raises TypeError.

Modelled on: the EarlyStoppingByLossVal answer to Stack Overflow question 37293642
("How to tell Keras stop training based on loss value?") as public code copies it:
mwjin/deep-purity src/my_callback.py and kvdomingo/VIP-CSI Experiments/keras-custom.py
(`StopOnValue`, np.less / np.greater by mode) warn "requires %s available" and then compare
the None anyway; the direction from the monitor's name as MosaicML Composer's ThresholdStopper
picks it (np.less when "loss" is in the name, else np.greater).
"""
import os
import warnings

import keras
import numpy as np

WARMUP_EPOCHS = 3
BASE_LEARNING_RATE = 1e-3


class StopAtTarget(keras.callbacks.Callback):
    """Stop training when `monitor` gets past `target`."""

    def __init__(self, monitor="val_accuracy", target=0.9):
        super().__init__()
        self.monitor = monitor
        self.target = target
        self.compare = np.less if "loss" in monitor else np.greater

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn("StopAtTarget requires %s available!" % self.monitor, RuntimeWarning)

        if self.compare(current, self.target):
            print("Epoch %05d: stopping at target" % (epoch + 1))
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

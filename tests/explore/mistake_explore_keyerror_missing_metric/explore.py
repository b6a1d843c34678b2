"""Mistake: the monitored value is read with logs[self.monitor], so a metric that is not in the logs (a typo, no validation data) raises KeyError and ends training instead of a warning.

Modelled on: bbrockbernd/CNN-CAR CustomCallback.py (`MyThresholdCallback` reads
`logs["val_accuracy"]` and stops when it is >= the threshold) and public `StopOnValue`
callbacks that compare `logs[self.monitor]` with a value (found by code search). The
comparison itself is right: >= for accuracy, <= for a monitor whose name has "loss".
"""
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
        if logs is None:
            return
        value = logs[self.monitor]
        if "loss" in self.monitor:
            done = value <= self.target
        else:
            done = value >= self.target
        if done:
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

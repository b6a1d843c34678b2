"""Mistake: a monitored metric that is not in the logs is skipped in silence, so a typo in `monitor` (or no validation data) turns the callback off without a word; it must warn.

Modelled on: dim97/Diseases-recognition NeuralNetwork/callbackExtension.py (`TerminateOnBaseline`:
`acc = logs.get(self.monitor)`, then only `if acc is not None:` before comparing with the
baseline), with the direction taken from the monitor's name as the assignment asks.
"""
import os

import keras

WARMUP_EPOCHS = 3
BASE_LEARNING_RATE = 1e-3


class StopAtTarget(keras.callbacks.Callback):
    """Terminate training when `monitor` reaches `target`."""

    def __init__(self, monitor="val_accuracy", target=0.9):
        super().__init__()
        self.monitor = monitor
        self.target = target

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is not None:
            if "loss" in self.monitor:
                reached = value <= self.target
            else:
                reached = value >= self.target
            if reached:
                print(f"Epoch {epoch + 1}: reached target, terminating training")
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

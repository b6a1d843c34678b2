"""Correct: the tutorial's shape (print a message, then self.model.stop_training = True) on the monitored metric, with a warning when it is missing; the print changes nothing that is graded.

Modelled on: dim97/Diseases-recognition NeuralNetwork/callbackExtension.py (`TerminateOnBaseline`:
logs.get(monitor), >= baseline, a print, stop_training = True) and the course callback that prints
"Reached 99% accuracy so cancelling training!" (saifaldin14/Tensorflow_Horse_Human_Model
MyCallback.py); the warning for a missing metric is the one the assignment asks for.
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
            warnings.warn(
                f"StopAtTarget: '{self.monitor}' is not in the logs, nothing to check "
                f"(the logs have: {', '.join(logs) or 'nothing'})"
            )
            return
        if "loss" in self.monitor:
            reached = value <= self.target
        else:
            reached = value >= self.target
        if reached:
            print(f"\nEpoch {epoch + 1}: reached {self.monitor} = {value:.4f} "
                  f"(target {self.target}), so cancelling training!")
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

"""Mistake: the course-tutorial callback that watches logs.get('accuracy'), the training accuracy, whatever `monitor` says: it stops on the wrong metric, never on a loss, and never warns when the monitored metric is missing.

Modelled on: the "Reached 99% accuracy so cancelling training!" callback of the DeepLearning.AI
TensorFlow course as public code keeps it (saifaldin14/Tensorflow_Horse_Human_Model MyCallback.py,
`if logs.get('accuracy') > 0.99`), in the None-guarded form other copies use
(`logs.get('accuracy') is not None and logs.get('accuracy') > 0.99`, found by code search);
the student kept `monitor` and `target` as attributes and put `self.target` in place of 0.99.
"""
import os

import keras

WARMUP_EPOCHS = 3
BASE_LEARNING_RATE = 1e-3


class StopAtTarget(keras.callbacks.Callback):
    """Stop training when the accuracy reaches the target."""

    def __init__(self, monitor="val_accuracy", target=0.9):
        super().__init__()
        self.monitor = monitor
        self.target = target

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if logs.get("accuracy") is not None and logs.get("accuracy") > self.target:
            print(f"\nReached {self.target:.0%} accuracy so cancelling training!")
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

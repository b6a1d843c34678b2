"""Mistake: after the warm-up, warmup returns BASE_LEARNING_RATE instead of the rate it is given, so every drop ReduceLROnPlateau makes is set back up at the next epoch.

Modelled on: schedules computed from the epoch alone, e.g. tensorflow/docs
site/en/api_docs/python/tf/keras/callbacks/LearningRateScheduler.md (r2.2, `scheduler(epoch)`
returns 0.001 for the first epochs) and b06b01073/dcslab-ai-cup2024 veri776-pretrained/Scheduler.py
(a warm-up that returns a fixed factor of 1 once the warm-up is over; a multiplier in PyTorch's
LambdaLR, an absolute rate once carried over to Keras's LearningRateScheduler).
The warm-up itself is right; only the branch after it is the mistake.
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
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"StopAtTarget: {self.monitor} is not in the logs (have {sorted(logs)})")
            return
        if "loss" in self.monitor:
            reached = current <= self.target
        else:
            reached = current >= self.target
        if reached:
            self.model.stop_training = True


def warmup(epoch, lr):
    if epoch < WARMUP_EPOCHS:
        return BASE_LEARNING_RATE * (epoch + 1) / WARMUP_EPOCHS
    return BASE_LEARNING_RATE


def make_logging_callbacks(log_dir="logs"):
    os.makedirs(log_dir, exist_ok=True)
    return [
        keras.callbacks.CSVLogger(os.path.join(log_dir, "training.csv")),
        keras.callbacks.TensorBoard(log_dir=log_dir),
    ]

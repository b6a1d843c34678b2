"""Correct: the warm-up written as min(1, (epoch + 1) / WARMUP_EPOCHS) * BASE_LEARNING_RATE during the warm-up, then `return lr`; the same rates as the reference (the min() never bites before the warm-up ends) and the drops are kept.

Modelled on: the `min(1.0, step / warmup)` factor of PyTorch warm-ups (rkstgr/jukebox_diffusion
src/module/lr_scheduler/warmup.py; modelscope/FunASR funasr/schedulers/lambdalr_cus.py), counted
from epoch + 1 as Keras warm-up callbacks do (`initial_lr * (epoch + 1) / warmup_epochs`, found by
code search), and the Keras docs' `scheduler(epoch, lr)` that returns `lr` unchanged outside its
own epochs (https://keras.io/api/callbacks/learning_rate_scheduler).
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
            warnings.warn(f"StopAtTarget: {self.monitor!r} is not in the logs; available: {sorted(logs)}")
            return
        if "loss" in self.monitor:
            reached = value <= self.target
        else:
            reached = value >= self.target
        if reached:
            self.model.stop_training = True


def warmup(epoch, lr):
    if epoch < WARMUP_EPOCHS:
        return min(1, (epoch + 1) / WARMUP_EPOCHS) * BASE_LEARNING_RATE
    return lr


def make_logging_callbacks(log_dir="logs"):
    os.makedirs(log_dir, exist_ok=True)
    return [
        keras.callbacks.CSVLogger(os.path.join(log_dir, "training.csv")),
        keras.callbacks.TensorBoard(log_dir=log_dir),
    ]

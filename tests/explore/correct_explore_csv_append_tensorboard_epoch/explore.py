"""Correct: CSVLogger(..., separator=",", append=True) inside log_dir and TensorBoard(log_dir=log_dir, histogram_freq=0, update_freq="epoch"); the extra arguments are allowed forms (for a fresh log_dir, append=True still writes the header and one row per epoch).

Modelled on: rizkiarm/LipNet training/unseen_speakers/train.py (`CSVLogger(os.path.join(LOG_DIR,
...), separator=',', append=True)` beside `TensorBoard(log_dir=os.path.join(LOG_DIR, run_name))`)
and public TensorBoard setups that spell out `histogram_freq=0, ..., update_freq='epoch'`
(e.g. the defaults of simple_converge's TensorBoardCallback, found by code search).
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
            warnings.warn(f"StopAtTarget: {self.monitor!r} is not in the logs (available: {sorted(logs)})")
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
    csv_logger = keras.callbacks.CSVLogger(
        os.path.join(log_dir, "training_log.csv"), separator=",", append=True
    )
    tensorboard = keras.callbacks.TensorBoard(
        log_dir=log_dir, histogram_freq=0, update_freq="epoch"
    )
    return [csv_logger, tensorboard]

"""Correct: the TensorBoard tutorial's timestamped run folder, but rooted at log_dir (log_dir/fit/<timestamp>), so the event files are under log_dir, one folder per run, as TensorBoard's run selector expects.

Modelled on: TensorFlow's "Get started with TensorBoard" tutorial, `"logs/fit/" +
datetime.datetime.now().strftime("%Y%m%d-%H%M%S")` (as repeated at https://apxml.com/courses/getting-started-with-tensorflow/chapter-4-training-evaluating-models/visualizing-tensorboard),
and rizkiarm/LipNet training/unseen_speakers/train.py (`TensorBoard(log_dir=os.path.join(LOG_DIR,
run_name))`, one subfolder per run under the log folder).
"""
import datetime
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
            warnings.warn(f"StopAtTarget: no {self.monitor!r} in the logs ({', '.join(sorted(logs))})")
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
    os.makedirs(log_dir, exist_ok=True)
    run_dir = os.path.join(log_dir, "fit", datetime.datetime.now().strftime("%Y%m%d-%H%M%S"))
    return [
        keras.callbacks.CSVLogger(os.path.join(log_dir, "training.csv")),
        keras.callbacks.TensorBoard(log_dir=run_dir),
    ]

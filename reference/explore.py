"""Reference step 6: stop at a target, warm the learning rate up, log every epoch."""
import os
import warnings

import keras

WARMUP_EPOCHS = 3
BASE_LEARNING_RATE = 1e-3


class StopAtTarget(keras.callbacks.Callback):
    """Stop training at the end of the first epoch where `monitor` reaches `target`."""

    def __init__(self, monitor="val_accuracy", target=0.9):
        super().__init__()
        self.monitor = monitor
        self.target = target

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(f"StopAtTarget watches {self.monitor!r}, which is not in the logs "
                          f"(available: {', '.join(sorted(logs))}); training goes on.", stacklevel=2)
            return
        reached = value <= self.target if "loss" in self.monitor else value >= self.target
        if reached:
            self.model.stop_training = True


def warmup(epoch, lr):
    """A linear warm-up to BASE_LEARNING_RATE, then the rate as given (ReduceLROnPlateau's drops stay)."""
    if epoch < WARMUP_EPOCHS:
        return BASE_LEARNING_RATE * (epoch + 1) / WARMUP_EPOCHS
    return lr


def make_logging_callbacks(log_dir="logs"):
    """A CSVLogger and a TensorBoard, both writing under `log_dir`."""
    os.makedirs(log_dir, exist_ok=True)
    return [
        keras.callbacks.CSVLogger(os.path.join(log_dir, "training.csv")),
        keras.callbacks.TensorBoard(log_dir=log_dir),
    ]

"""Mistake: the warm-up is off by one (BASE_LEARNING_RATE * epoch / WARMUP_EPOCHS), so epoch 0 trains at rate 0 and the rate never gets to BASE_LEARNING_RATE during the warm-up.

Modelled on: the step-based linear warm-up `step / warmup_steps` that PyTorch code uses
(sangHa0411/fashion-how sub-task1/models/scheduler.py, `float(current_step) / max(1, warmup_steps)`;
b06b01073/dcslab-ai-cup2024 veri776-pretrained/Scheduler.py, `epoch / WARMUP_EPOCH`), carried over
to Keras's LearningRateScheduler, whose epochs start at 0. After the warm-up it returns `lr` as asked.
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
                f"StopAtTarget: no {self.monitor!r} in the logs; available: {', '.join(logs)}"
            )
            return
        if ("loss" in self.monitor and value <= self.target) or (
            "loss" not in self.monitor and value >= self.target
        ):
            self.model.stop_training = True


def warmup(epoch, lr):
    if epoch < WARMUP_EPOCHS:
        return BASE_LEARNING_RATE * epoch / WARMUP_EPOCHS
    return lr


def make_logging_callbacks(log_dir="logs"):
    os.makedirs(log_dir, exist_ok=True)
    csv_logger = keras.callbacks.CSVLogger(os.path.join(log_dir, "history.csv"))
    tensorboard = keras.callbacks.TensorBoard(log_dir=log_dir)
    return [csv_logger, tensorboard]

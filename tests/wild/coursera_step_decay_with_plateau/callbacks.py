"""Step 3: the three callbacks, a step-decay schedule and TensorBoard."""
import math

from tensorflow.keras.callbacks import (EarlyStopping, LearningRateScheduler, ModelCheckpoint,
                                        ReduceLROnPlateau, TensorBoard)

CHECKPOINT_PATH = "best_cat_dog_model.keras"


def step_decay(epoch):
    """Halve the learning rate every 10 epochs, starting from SGD's 0.01."""
    initial_lr = 0.01
    drop = 0.5
    epochs_drop = 10
    return initial_lr * math.pow(drop, math.floor((1 + epoch) / epochs_drop))


def make_callbacks(checkpoint_path=CHECKPOINT_PATH):
    """Return [ModelCheckpoint, EarlyStopping, ReduceLROnPlateau], configured as below."""
    return [
        ModelCheckpoint(checkpoint_path, monitor="val_accuracy", mode="max", save_best_only=True),
        EarlyStopping(monitor="val_loss", mode="min", patience=5),
        ReduceLROnPlateau(monitor="val_loss", mode="min", factor=0.2, patience=3, verbose=1),
        LearningRateScheduler(step_decay, verbose=1),
        TensorBoard(log_dir="./log_dir"),
    ]

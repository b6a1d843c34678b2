"""Step 3: the three callbacks that take control of training, with TensorBoard and a CSV log."""
import datetime
import os

import tensorflow as tf
from tensorflow.keras.callbacks import (CSVLogger, EarlyStopping, ModelCheckpoint,
                                        ReduceLROnPlateau, TensorBoard)

CHECKPOINT_PATH = "best_cat_dog_model.keras"


def make_callbacks(checkpoint_path=CHECKPOINT_PATH):
    """Return [ModelCheckpoint, EarlyStopping, ReduceLROnPlateau], configured as below."""
    logdir = os.path.join("logs", datetime.datetime.now().strftime("%Y%m%d-%H%M%S"))
    return [
        TensorBoard(logdir),
        ModelCheckpoint(checkpoint_path, monitor="val_accuracy", mode="max", save_best_only=True, verbose=1),
        EarlyStopping(monitor="val_loss", mode="min", patience=5, verbose=1),
        ReduceLROnPlateau(monitor="val_loss", mode="min", factor=0.2, patience=3, verbose=1),
        CSVLogger("training.csv"),
    ]

"""Broken: a script-style sys.exit() left at module level."""
import sys

import keras

CHECKPOINT_PATH = "best_cat_dog_model.keras"


def make_callbacks(checkpoint_path=CHECKPOINT_PATH):
    return [keras.callbacks.EarlyStopping(monitor="val_loss", patience=5)]


sys.exit(0)

"""Broken: a typo in a keyword argument; make_callbacks raises TypeError."""
import keras

CHECKPOINT_PATH = "best_cat_dog_model.keras"


def make_callbacks(checkpoint_path=CHECKPOINT_PATH):
    checkpoint = keras.callbacks.ModelCheckpoint(checkpoint_path, monitor="val_accuracy", save_best=True)
    return [checkpoint]

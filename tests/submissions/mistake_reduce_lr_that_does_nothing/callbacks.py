"""Mistake (or a forgery): a ReduceLROnPlateau subclass with the right settings that never acts.

Reading attributes cannot tell it from the real thing; watching training can.
"""
import keras

CHECKPOINT_PATH = "best_cat_dog_model.keras"


class QuietReduceLROnPlateau(keras.callbacks.ReduceLROnPlateau):
    def on_epoch_end(self, epoch, logs=None):
        pass


def make_callbacks(checkpoint_path=CHECKPOINT_PATH):
    return [
        keras.callbacks.ModelCheckpoint(checkpoint_path, monitor="val_accuracy", mode="max", save_best_only=True),
        keras.callbacks.EarlyStopping(monitor="val_loss", mode="min", patience=5),
        QuietReduceLROnPlateau(monitor="val_loss", mode="min", patience=3, factor=0.5),
    ]

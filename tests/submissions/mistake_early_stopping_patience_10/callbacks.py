"""Mistake: EarlyStopping waits 10 epochs. It stops late; ReduceLROnPlateau, right, must not pay for that."""
import keras

CHECKPOINT_PATH = "best_cat_dog_model.keras"


def make_callbacks(checkpoint_path=CHECKPOINT_PATH):
    return [
        keras.callbacks.ModelCheckpoint(checkpoint_path, monitor="val_accuracy", mode="max", save_best_only=True),
        keras.callbacks.EarlyStopping(monitor="val_loss", mode="min", patience=10),
        keras.callbacks.ReduceLROnPlateau(monitor="val_loss", mode="min", patience=3, factor=0.5),
    ]

"""Mistake: the checkpoint keeps the lowest val_loss instead of the best val_accuracy."""
import keras

CHECKPOINT_PATH = "best_cat_dog_model.keras"


def make_callbacks(checkpoint_path=CHECKPOINT_PATH):
    return [
        keras.callbacks.ModelCheckpoint(checkpoint_path, save_best_only=True),
        keras.callbacks.EarlyStopping(monitor="val_loss", mode="min", patience=5),
        keras.callbacks.ReduceLROnPlateau(monitor="val_loss", mode="min", patience=3, factor=0.5),
    ]

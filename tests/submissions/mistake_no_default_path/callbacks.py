"""Mistake: checkpoint_path has no default, so make_callbacks() cannot be called as the assignment shows."""
import keras


def make_callbacks(checkpoint_path):
    return [
        keras.callbacks.ModelCheckpoint(checkpoint_path, monitor="val_accuracy", mode="max", save_best_only=True),
        keras.callbacks.EarlyStopping(monitor="val_loss", mode="min", patience=5),
        keras.callbacks.ReduceLROnPlateau(monitor="val_loss", mode="min", patience=3, factor=0.5),
    ]

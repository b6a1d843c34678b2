"""Mistake: min_lr at the model's own learning rate, so ReduceLROnPlateau can never lower it.

Every setting the configuration check reads is right; only training shows the problem.
"""
import keras

CHECKPOINT_PATH = "best_cat_dog_model.keras"


def make_callbacks(checkpoint_path=CHECKPOINT_PATH):
    return [
        keras.callbacks.ModelCheckpoint(checkpoint_path, monitor="val_accuracy", mode="max", save_best_only=True),
        keras.callbacks.EarlyStopping(monitor="val_loss", mode="min", patience=5),
        keras.callbacks.ReduceLROnPlateau(monitor="val_loss", mode="min", patience=3, factor=0.5, min_lr=1e-3),
    ]

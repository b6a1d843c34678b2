"""Correct: every mode left to "auto"; Keras resolves val_accuracy to max and val_loss to min."""
import keras

CHECKPOINT_PATH = "best_cat_dog_model.keras"


def make_callbacks(checkpoint_path=CHECKPOINT_PATH):
    return [
        keras.callbacks.ModelCheckpoint(checkpoint_path, monitor="val_accuracy", save_best_only=True),
        keras.callbacks.EarlyStopping(patience=5),
        keras.callbacks.ReduceLROnPlateau(patience=3, factor=0.2),
    ]

"""Correct: explicit modes, restore_best_weights and a minimum learning rate."""
import keras

CHECKPOINT_PATH = "best_cat_dog_model.keras"


def make_callbacks(checkpoint_path=CHECKPOINT_PATH):
    checkpoint = keras.callbacks.ModelCheckpoint(
        filepath=checkpoint_path, monitor="val_accuracy", mode="max", save_best_only=True, verbose=1
    )
    early_stopping = keras.callbacks.EarlyStopping(
        monitor="val_loss", mode="min", patience=5, restore_best_weights=True
    )
    reduce_lr = keras.callbacks.ReduceLROnPlateau(
        monitor="val_loss", mode="min", patience=3, factor=0.1, min_lr=1e-6
    )
    return [checkpoint, early_stopping, reduce_lr]

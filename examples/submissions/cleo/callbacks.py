"""Reference step 3: checkpoint the best val_accuracy, stop and slow down on val_loss."""
import keras

CHECKPOINT_PATH = "best_cat_dog_model.keras"


def make_callbacks(checkpoint_path=CHECKPOINT_PATH)
    """Return [ModelCheckpoint, EarlyStopping, ReduceLROnPlateau], configured as below."""
    return [
        keras.callbacks.ModelCheckpoint(
            checkpoint_path, monitor="val_accuracy", mode="max", save_best_only=True
        ),
        keras.callbacks.EarlyStopping(monitor="val_loss", mode="min", patience=5),
        keras.callbacks.ReduceLROnPlateau(
            monitor="val_loss", mode="min", patience=3, factor=0.5
        ),
    ]

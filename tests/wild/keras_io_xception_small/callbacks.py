"""Step 3: the three callbacks that take control of training."""
import keras

CHECKPOINT_PATH = "best_cat_dog_model.keras"


def make_callbacks(checkpoint_path=CHECKPOINT_PATH):
    """Return [ModelCheckpoint, EarlyStopping, ReduceLROnPlateau], configured as below."""
    checkpoint = keras.callbacks.ModelCheckpoint(
        checkpoint_path, monitor="val_accuracy", mode="max", save_best_only=True
    )
    early_stop = keras.callbacks.EarlyStopping(monitor="val_loss", mode="min", patience=5)
    reduce_lr = keras.callbacks.ReduceLROnPlateau(
        monitor="val_loss", mode="min", factor=0.5, patience=3
    )
    return [checkpoint, early_stop, reduce_lr]

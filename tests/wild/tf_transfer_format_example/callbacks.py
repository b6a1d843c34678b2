"""Step 3: the three callbacks that take control of training."""
import tensorflow as tf

CHECKPOINT_PATH = "best_cat_dog_model.keras"


def make_callbacks(checkpoint_path=CHECKPOINT_PATH):
    """Return [ModelCheckpoint, EarlyStopping, ReduceLROnPlateau], configured as below."""
    return [
        tf.keras.callbacks.ModelCheckpoint(checkpoint_path, monitor="val_accuracy", mode="max", save_best_only=True),
        tf.keras.callbacks.EarlyStopping(monitor="val_loss", mode="min", patience=5),
        tf.keras.callbacks.ReduceLROnPlateau(monitor="val_loss", mode="min", patience=3, factor=0.5),
    ]

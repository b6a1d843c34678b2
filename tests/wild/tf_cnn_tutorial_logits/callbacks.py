"""Step 3: the three callbacks that take control of training."""
import tensorflow as tf

CHECKPOINT_PATH = "best_cat_dog_model.keras"


def make_callbacks(checkpoint_path=CHECKPOINT_PATH):
    """Return [ModelCheckpoint, EarlyStopping, ReduceLROnPlateau], configured as below."""
    checkpoint_cb = tf.keras.callbacks.ModelCheckpoint(
        filepath=checkpoint_path, monitor="val_accuracy", save_best_only=True, mode="max"
    )
    early_stopping_cb = tf.keras.callbacks.EarlyStopping(monitor="val_loss", patience=5, mode="min")
    reduce_lr_cb = tf.keras.callbacks.ReduceLROnPlateau(
        monitor="val_loss", factor=0.5, patience=3, mode="min"
    )
    return [checkpoint_cb, early_stopping_cb, reduce_lr_cb]

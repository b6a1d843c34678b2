"""Step 3: the three callbacks that take control of training, plus TensorBoard."""
from tensorflow import keras

CHECKPOINT_PATH = "best_cat_dog_model.keras"


def make_callbacks(checkpoint_path=CHECKPOINT_PATH):
    """Return [ModelCheckpoint, EarlyStopping, ReduceLROnPlateau], configured as below."""
    callbacks = [
        keras.callbacks.ModelCheckpoint(
            filepath=checkpoint_path,
            save_best_only=True,
            monitor="val_loss"),
        keras.callbacks.EarlyStopping(
            monitor="val_loss",
            patience=5),
        keras.callbacks.ReduceLROnPlateau(
            monitor="val_loss",
            factor=0.5,
            patience=3),
        keras.callbacks.TensorBoard(
            log_dir="logs",
            histogram_freq=1),
    ]
    return callbacks

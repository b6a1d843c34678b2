"""Step 3: the three callbacks that take control of training (plus a CSV log)."""
import keras

CHECKPOINT_PATH = "best_cat_dog_model.keras"


def make_callbacks(checkpoint_path=CHECKPOINT_PATH):
    """Return [ModelCheckpoint, EarlyStopping, ReduceLROnPlateau], configured as below."""
    return [
        keras.callbacks.ModelCheckpoint(checkpoint_path, monitor="val_accuracy", mode="auto",
                                        save_best_only=True),
        keras.callbacks.EarlyStopping(monitor="val_loss", mode="auto", patience=5),
        keras.callbacks.ReduceLROnPlateau(monitor="val_loss", mode="auto", patience=3, factor=0.5),
        keras.callbacks.CSVLogger("training_log.csv"),
    ]

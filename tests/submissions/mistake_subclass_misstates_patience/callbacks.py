"""Mistake (or a trick): an EarlyStopping subclass that states patience=5 in its attributes
and get_config(), but stops at the first epoch without improvement."""
import keras

CHECKPOINT_PATH = "best_cat_dog_model.keras"


class ImpatientEarlyStopping(keras.callbacks.EarlyStopping):
    def get_config(self):
        return {"monitor": "val_loss", "mode": "min", "patience": 5}

    def on_epoch_end(self, epoch, logs=None):
        current = (logs or {}).get(self.monitor)
        if current is None:
            return
        if self.best is None or current < self.best:
            self.best = current
        elif epoch > 0:
            self.model.stop_training = True

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self.best = None


def make_callbacks(checkpoint_path=CHECKPOINT_PATH):
    return [
        keras.callbacks.ModelCheckpoint(checkpoint_path, monitor="val_accuracy", mode="max", save_best_only=True),
        ImpatientEarlyStopping(monitor="val_loss", mode="min", patience=5),
        keras.callbacks.ReduceLROnPlateau(monitor="val_loss", mode="min", patience=3, factor=0.5),
    ]

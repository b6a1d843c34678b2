"""Correct: a subclass of EarlyStopping that also prints when it stops, in a tuple, reordered."""
import keras

CHECKPOINT_PATH = "best_cat_dog_model.keras"


class TalkativeEarlyStopping(keras.callbacks.EarlyStopping):
    def on_train_end(self, logs=None):
        super().on_train_end(logs)
        if self.stopped_epoch:
            print(f"stopped early after epoch {self.stopped_epoch + 1}")


def make_callbacks(checkpoint_path=CHECKPOINT_PATH):
    return (
        keras.callbacks.ReduceLROnPlateau(monitor="val_loss", patience=3, factor=0.5),
        TalkativeEarlyStopping(monitor="val_loss", patience=5),
        keras.callbacks.ModelCheckpoint(checkpoint_path, monitor="val_accuracy", mode="max", save_best_only=True),
    )

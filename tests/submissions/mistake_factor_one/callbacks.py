"""Mistake: factor=1.0 would never lower the learning rate; Keras refuses it at construction."""
import keras

CHECKPOINT_PATH = "best_cat_dog_model.keras"


def make_callbacks(checkpoint_path=CHECKPOINT_PATH):
    checkpoint = keras.callbacks.ModelCheckpoint(checkpoint_path, monitor="val_accuracy", mode="max", save_best_only=True)
    early_stopping = keras.callbacks.EarlyStopping(monitor="val_loss", mode="min", patience=5)
    reduce_lr = keras.callbacks.ReduceLROnPlateau(monitor="val_loss", mode="min", patience=3, factor=1.0)
    return [checkpoint, early_stopping, reduce_lr]

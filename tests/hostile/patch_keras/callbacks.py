"""Hostile: swaps Keras's callback classes and Model.fit for fakes that report what the grader expects."""
import keras

CHECKPOINT_PATH = "best_cat_dog_model.keras"


class Fake:
    def __init__(self, *args, **settings):
        self.__dict__.update(settings)

    def set_model(self, model):
        pass

    def set_params(self, params):
        pass


def fake_fit(self, *args, callbacks=(), epochs=1, **kwargs):
    for callback in callbacks:
        for epoch in range(epochs):
            if hasattr(callback, "on_epoch_end"):
                callback.on_epoch_end(epoch, {"val_loss": 0.1, "val_accuracy": 0.99})
    return keras.callbacks.History()


keras.callbacks.EarlyStopping = type("EarlyStopping", (Fake,), {})
keras.callbacks.ModelCheckpoint = type("ModelCheckpoint", (Fake,), {})
keras.callbacks.ReduceLROnPlateau = type("ReduceLROnPlateau", (Fake,), {})
keras.Model.fit = fake_fit


def make_callbacks(checkpoint_path=CHECKPOINT_PATH):
    return [
        keras.callbacks.ModelCheckpoint(filepath=checkpoint_path, monitor="val_accuracy", mode="max",
                                        save_best_only=True),
        keras.callbacks.EarlyStopping(monitor="val_loss", mode="min", patience=5),
        keras.callbacks.ReduceLROnPlateau(monitor="val_loss", mode="min", patience=2, factor=0.5),
    ]

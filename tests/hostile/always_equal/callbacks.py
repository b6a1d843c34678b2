"""Hostile: objects that equal anything, and claim to be Keras callbacks through __class__."""
import keras

CHECKPOINT_PATH = "best_cat_dog_model.keras"


class Anything(str):
    """A string (so it survives type checks) that equals every value it meets."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = str.__hash__


class Number(int):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = int.__hash__


def pretending(kind):
    class Pretender:
        monitor = Anything("anything")
        mode = Anything("anything")
        patience = Number(0)
        factor = Number(0)
        save_best_only = Number(1)
        filepath = Anything("anything")

        @property
        def __class__(self):
            return kind

        def __eq__(self, other):
            return True

        __hash__ = object.__hash__

    return Pretender()


def make_callbacks(checkpoint_path=CHECKPOINT_PATH):
    return [pretending(keras.callbacks.ModelCheckpoint), pretending(keras.callbacks.EarlyStopping),
            pretending(keras.callbacks.ReduceLROnPlateau)]

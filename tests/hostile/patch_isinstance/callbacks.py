"""Hostile: replaces isinstance so that look-alike objects pass for Keras callbacks."""
import builtins

CHECKPOINT_PATH = "best_cat_dog_model.keras"
builtins.isinstance = lambda obj, cls: True


class LookAlike:
    def __init__(self, **settings):
        self.__dict__.update(settings)


def make_callbacks(checkpoint_path=CHECKPOINT_PATH):
    builtins.isinstance = lambda obj, cls: True
    return [
        LookAlike(filepath=checkpoint_path, monitor="val_accuracy", mode="max", save_best_only=True),
        LookAlike(monitor="val_loss", mode="min", patience=5, restore_best_weights=True),
        LookAlike(monitor="val_loss", mode="min", patience=2, factor=0.5),
    ]

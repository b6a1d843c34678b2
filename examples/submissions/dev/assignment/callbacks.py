"""Step 3: the three callbacks that take control of training."""
import keras

CHECKPOINT_PATH = "best_cat_dog_model.keras"


def make_callbacks(checkpoint_path=CHECKPOINT_PATH):
    """Return [ModelCheckpoint, EarlyStopping, ReduceLROnPlateau], configured as below."""
    # TODO: keras.callbacks.ModelCheckpoint that saves to `checkpoint_path` (use the
    #   argument, not a fixed name), watches "val_accuracy", keeps only the best
    #   model (save_best_only=True), where best means highest (mode="max").
    # TODO: keras.callbacks.EarlyStopping that watches "val_loss" and stops after
    #   5 epochs without improvement (patience=5); lower is better (mode="min").
    # TODO: keras.callbacks.ReduceLROnPlateau that watches "val_loss" and, after 3
    #   epochs without improvement (patience=3), multiplies the learning rate by a
    #   factor between 0 and 1 (e.g. factor=0.5); lower is better (mode="min").
    raise NotImplementedError("make_callbacks: create the three callbacks")

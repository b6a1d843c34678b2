"""Step 3: the three callbacks that take control of training."""
from tensorflow.keras.callbacks import EarlyStopping, ModelCheckpoint, ReduceLROnPlateau

CHECKPOINT_PATH = "best_cat_dog_model.keras"


def make_callbacks(checkpoint_path=CHECKPOINT_PATH):
    """Return [ModelCheckpoint, EarlyStopping, ReduceLROnPlateau], configured as below."""
    mc = ModelCheckpoint(checkpoint_path, monitor="val_accuracy", mode="max",
                         save_best_only=True, verbose=1)
    es = EarlyStopping(monitor="val_loss", mode="min", patience=5, verbose=1)
    rlr = ReduceLROnPlateau(monitor="val_loss", mode="min", patience=3, factor=0.1, verbose=1)
    return [mc, es, rlr]

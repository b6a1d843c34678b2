"""Step 3: the three callbacks that take control of training."""
from tensorflow.keras.callbacks import EarlyStopping, ModelCheckpoint, ReduceLROnPlateau

CHECKPOINT_PATH = "best_cat_dog_model.keras"


def make_callbacks(checkpoint_path=CHECKPOINT_PATH):
    """Return [ModelCheckpoint, EarlyStopping, ReduceLROnPlateau], configured as below."""
    checkpoint = ModelCheckpoint(checkpoint_path, monitor="val_accuracy", mode="max",
                                 save_best_only=True, verbose=1)
    early_stopping = EarlyStopping(
        patience=5,
        min_delta=0.05,
        baseline=0.8,
        mode="min",
        monitor="val_loss",
        restore_best_weights=True,
        verbose=1)
    reduce_lr = ReduceLROnPlateau(monitor="val_loss", mode="min", factor=0.2, patience=3, verbose=1)
    return [checkpoint, early_stopping, reduce_lr]

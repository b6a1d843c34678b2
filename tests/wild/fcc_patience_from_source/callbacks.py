"""Step 3: the three callbacks that take control of training."""
from tensorflow.keras.callbacks import EarlyStopping, ModelCheckpoint, ReduceLROnPlateau

CHECKPOINT_PATH = "best_cat_dog_model.keras"


def make_callbacks(checkpoint_path=CHECKPOINT_PATH):
    """Return [ModelCheckpoint, EarlyStopping, ReduceLROnPlateau], configured as below."""
    checkpoint = ModelCheckpoint(checkpoint_path, monitor="val_accuracy", mode="max", save_best_only=True)
    early_stopping = EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True)
    lr_scheduler = ReduceLROnPlateau(monitor="val_loss", patience=2, factor=0.5, min_lr=0.00001)
    return [checkpoint, early_stopping, lr_scheduler]

"""Step 3: the three callbacks that take control of training."""
from keras.callbacks import EarlyStopping, ModelCheckpoint, ReduceLROnPlateau

CHECKPOINT_PATH = "best_cat_dog_model.keras"


def make_callbacks(checkpoint_path=CHECKPOINT_PATH):
    """Return [ModelCheckpoint, EarlyStopping, ReduceLROnPlateau], configured as below."""
    checkpoint = ModelCheckpoint(checkpoint_path, monitor="val_accuracy", verbose=1,
                                 save_best_only=True, mode="max")
    earlystop = EarlyStopping(monitor="val_loss", patience=5, verbose=1, mode="min")
    learning_rate_reduction = ReduceLROnPlateau(monitor="val_loss", patience=3, verbose=1,
                                                factor=0.5, min_lr=0.00001, mode="min")
    return [checkpoint, earlystop, learning_rate_reduction]

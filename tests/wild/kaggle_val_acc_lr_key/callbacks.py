"""Step 3: the three callbacks that take control of training."""
from keras.callbacks import EarlyStopping, ModelCheckpoint, ReduceLROnPlateau

CHECKPOINT_PATH = "best_cat_dog_model.keras"


def make_callbacks(checkpoint_path=CHECKPOINT_PATH):
    """Return [ModelCheckpoint, EarlyStopping, ReduceLROnPlateau], configured as below."""
    checkpoint = ModelCheckpoint(checkpoint_path, monitor="val_accuracy", save_best_only=True, mode="max")
    earlystop = EarlyStopping(patience=5)
    learning_rate_reduction = ReduceLROnPlateau(monitor="val_acc",
                                                patience=3,
                                                verbose=1,
                                                factor=0.5,
                                                min_lr=0.00001)
    return [checkpoint, earlystop, learning_rate_reduction]

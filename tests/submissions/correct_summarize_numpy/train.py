"""Correct, written another way: numpy's argmax (the first index on ties), history.epoch, != for the drop."""
import numpy as np

EPOCHS = 50


def train(model, train_ds, val_ds, callbacks, epochs=EPOCHS):
    """Fit with validation data and the callbacks; return the keras History."""
    history = model.fit(train_ds, validation_data=val_ds, epochs=epochs, callbacks=callbacks)
    return history


def summarize(history):
    """Return a dict answering step 5's questions."""
    val_accuracy = np.array(history.history["val_accuracy"])
    rates = np.array(history.history["learning_rate"])
    epochs_run = len(history.epoch)
    best = np.argmax(val_accuracy)
    summary = {}
    summary["epochs_run"] = int(epochs_run)
    summary["stopped_early"] = bool(epochs_run != history.params["epochs"])
    # ReduceLROnPlateau only ever lowers the rate: a last rate unlike the first is a drop
    summary["lr_reduced"] = bool(rates[-1] != rates[0])
    summary["final_lr"] = float(rates[-1])
    summary["best_epoch"] = int(best) + 1
    summary["best_val_accuracy"] = float(val_accuracy[best])
    return summary

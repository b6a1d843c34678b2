"""Steps 4 and 5: train with the callbacks, then read what happened."""
import numpy as np

EPOCHS = 50


def train(model, train_ds, val_ds, callbacks, epochs=EPOCHS):
    """Fit with validation data and the callbacks; return the keras History."""
    return model.fit(train_ds, epochs=epochs, validation_data=val_ds, callbacks=callbacks)


def summarize(history):
    """Return a dict answering step 5's questions."""
    val_loss = history.history["val_loss"]
    val_accuracy = history.history["val_accuracy"]
    learning_rate = history.history["learning_rate"]
    # the best model is the one from the epoch where validation loss bottoms out
    best = int(np.argmin(val_loss))
    return {
        "epochs_run": len(val_loss),
        "stopped_early": len(val_loss) < history.params["epochs"],
        "lr_reduced": min(learning_rate) < learning_rate[0],
        "final_lr": float(learning_rate[-1]),
        "best_epoch": best + 1,
        "best_val_accuracy": float(val_accuracy[best]),
    }

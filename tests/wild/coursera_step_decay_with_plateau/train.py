"""Steps 4 and 5: train with the callbacks, then read what happened."""

EPOCHS = 50


def train(model, train_ds, val_ds, callbacks, epochs=EPOCHS):
    """Fit with validation data and the callbacks; return the keras History."""
    return model.fit(train_ds, epochs=epochs, validation_data=val_ds, callbacks=callbacks)


def summarize(history):
    """Return a dict answering step 5's questions."""
    val_accuracy = history.history["val_accuracy"]
    learning_rate = history.history["learning_rate"]
    best_index = max(range(len(val_accuracy)), key=lambda i: (val_accuracy[i], -i))
    return {
        "epochs_run": len(val_accuracy),
        "stopped_early": len(val_accuracy) < history.params["epochs"],
        "lr_reduced": min(learning_rate) < learning_rate[0],
        "final_lr": float(learning_rate[-1]),
        "best_epoch": best_index + 1,
        "best_val_accuracy": float(val_accuracy[best_index]),
    }

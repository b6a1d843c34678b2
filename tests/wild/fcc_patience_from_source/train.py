"""Steps 4 and 5: train with the callbacks, then read what happened."""

EPOCHS = 50


def train(model, train_ds, val_ds, callbacks, epochs=EPOCHS):
    """Fit with validation data and the callbacks; return the keras History."""
    history = model.fit(x=train_ds, epochs=epochs, validation_data=val_ds, callbacks=callbacks)
    return history


def summarize(history):
    """Return a dict answering step 5's questions."""
    acc = history.history["val_accuracy"]
    lrs = history.history["learning_rate"]
    best = acc.index(max(acc))
    return {
        "epochs_run": len(acc),
        "stopped_early": len(acc) < history.params["epochs"],
        "lr_reduced": min(lrs) < lrs[0],
        "final_lr": float(lrs[-1]),
        "best_epoch": best + 1,
        "best_val_accuracy": float(acc[best]),
    }

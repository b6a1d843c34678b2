"""Steps 4 and 5: train with the callbacks, then read what happened."""

EPOCHS = 50


def train(model, train_ds, val_ds, callbacks, epochs=EPOCHS):
    """Fit with validation data and the callbacks; return the keras History."""
    history = model.fit(
        train_ds,
        epochs=epochs,
        validation_data=val_ds,
        callbacks=callbacks,
    )
    return history


def summarize(history):
    """Return a dict answering step 5's questions."""
    h = history.history
    lr = h["lr"]
    val_acc = h["val_accuracy"]
    best = val_acc.index(max(val_acc))
    return {
        "epochs_run": len(val_acc),
        "stopped_early": len(val_acc) < history.params["epochs"],
        "lr_reduced": min(lr) < lr[0],
        "final_lr": float(lr[-1]),
        "best_epoch": best + 1,
        "best_val_accuracy": float(val_acc[best]),
    }

"""Steps 4 and 5: train with the callbacks, then read what happened."""

EPOCHS = 50


def train(model, train_ds, val_ds, callbacks, epochs=EPOCHS):
    """Fit with validation data and the callbacks; return the keras History."""
    return model.fit(train_ds, epochs=epochs, validation_data=val_ds, callbacks=callbacks)


def summarize(history):
    """Return a dict answering step 5's questions."""
    val_acc = history.history["val_accuracy"]
    lrs = history.history["learning_rate"]
    best = 0
    for epoch, acc in enumerate(val_acc):
        if acc > val_acc[best]:
            best = epoch
    return {
        "epochs_run": len(val_acc),
        "stopped_early": len(val_acc) < history.params["epochs"],
        "lr_reduced": bool(min(lrs) < lrs[0]),
        "final_lr": float(lrs[-1]),
        "best_epoch": best + 1,
        "best_val_accuracy": float(val_acc[best]),
    }

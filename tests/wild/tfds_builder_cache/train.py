"""Steps 4 and 5: train with the callbacks, then read what happened."""

EPOCHS = 50


def train(model, train_ds, val_ds, callbacks, epochs=EPOCHS):
    """Fit with validation data and the callbacks; return the keras History."""
    return model.fit(train_ds, validation_data=val_ds, epochs=epochs, callbacks=callbacks)


def summarize(history):
    """Return a dict answering step 5's questions."""
    logs = history.history
    val_acc = logs["val_accuracy"]
    lrs = logs["learning_rate"]
    best_value = max(val_acc)
    best_epoch = next(epoch for epoch, value in enumerate(val_acc, start=1) if value == best_value)
    return {
        "epochs_run": len(history.epoch),
        "stopped_early": len(history.epoch) < history.params["epochs"],
        "lr_reduced": min(lrs) < lrs[0],
        "final_lr": float(lrs[-1]),
        "best_epoch": best_epoch,
        "best_val_accuracy": float(best_value),
    }

"""Steps 4 and 5: train with the callbacks, then read what happened."""

EPOCHS = 50


def train(model, train_ds, val_ds, callbacks, epochs=EPOCHS):
    """Fit with validation data and the callbacks; return the keras History."""
    hist = model.fit(train_ds, validation_data=val_ds, epochs=epochs, callbacks=callbacks, verbose=1)
    return hist


def summarize(history):
    """Return a dict answering step 5's questions."""
    acc = history.history["val_accuracy"]
    lr = history.history["learning_rate"]
    best_i = 0
    for i in range(1, len(acc)):
        if acc[i] > acc[best_i]:  # strictly greater: keep the first on ties
            best_i = i
    n = len(acc)
    return {
        "epochs_run": n,
        "stopped_early": n < history.params["epochs"],
        "lr_reduced": any(x < lr[0] for x in lr),
        "final_lr": float(lr[-1]),
        "best_epoch": best_i + 1,
        "best_val_accuracy": float(acc[best_i]),
    }

"""Reference steps 4 and 5: fit with the callbacks, then summarize the History."""

EPOCHS = 50


def train(model, train_ds, val_ds, callbacks, epochs=EPOCHS):
    """Fit with validation data and the callbacks; return the keras History."""
    return model.fit(train_ds, validation_data=val_ds, epochs=epochs, callbacks=callbacks)


def summarize(history):
    """Return a dict answering step 5's questions."""
    logs = history.history
    val_accuracy = logs["val_accuracy"]
    learning_rates = logs.get("learning_rate", [])
    best_index = max(range(len(val_accuracy)), key=lambda i: (val_accuracy[i], -i))
    return {
        "epochs_run": len(val_accuracy),
        "stopped_early": len(val_accuracy) < history.params["epochs"],
        "lr_reduced": bool(learning_rates) and min(learning_rates) < learning_rates[0],
        "final_lr": float(learning_rates[-1]) if learning_rates else None,
        "best_epoch": best_index + 1,
        "best_val_accuracy": float(val_accuracy[best_index]),
    }

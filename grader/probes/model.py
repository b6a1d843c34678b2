"""What a compiled model logs during fit, found by evaluating it once on a tiny batch.

`model.metrics` lists nothing useful until the compiled metrics are built, and
a callback's mode "auto" is resolved against those built metrics, so the probe
evaluates the model on two images before anyone asks about directions.
"""
from __future__ import annotations

import numpy as np

# Small enough to build fast, large enough for a classic four-block valid-padding CNN.
GRADING_INPUT_SHAPE = (64, 64, 3)


def evaluate_once(model, input_shape) -> tuple[str, ...]:
    """Evaluate on two images; return the names fit would log for training and validation."""
    images = np.linspace(0.0, 1.0, 2 * int(np.prod(input_shape)), dtype="float32")
    images = images.reshape((2, *input_shape))
    last_error = None
    for labels in _label_formats(model):
        try:
            logged = model.evaluate(images, labels, verbose=0, return_dict=True)
        except Exception as error:  # the wrong label format for this loss: try the next
            last_error = error
            continue
        names = tuple(sorted(logged))
        return tuple(sorted(names + tuple(f"val_{name}" for name in names)))
    raise last_error


def _label_formats(model):
    """Integer labels first, then one-hot, shaped for the model's output."""
    units = int(model.outputs[0].shape[-1]) if getattr(model, "outputs", None) else 1
    integers = np.array([0, 1], dtype="int64")
    if units == 1:
        yield integers.reshape((2, 1)).astype("float32")
    yield integers
    yield np.eye(max(units, 2), dtype="float32")[integers]


def assignment_shaped_model():
    """A model compiled the way the assignment asks: sigmoid output, BCE, "accuracy".

    Keras resolves a callback's mode "auto" against the model's compiled metrics;
    resolving it here judges the callback alone, not the student's model.
    """
    import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    evaluate_once(model, (4,))
    return model

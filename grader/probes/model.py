"""Building the student's model at grading size and finding what it logs and which labels it takes.

`model.metrics` lists nothing useful until the compiled metrics are built, and
a callback's mode "auto" is resolved against those built metrics, so the probe
evaluates the model once on two images before anyone asks about directions.
"""
from __future__ import annotations

import numpy as np

from grader.facts import Failure
from grader.synthetic import labels_as

# Small enough to train in a blink, large enough for a classic four-block valid-padding CNN.
GRADING_INPUT_SHAPE = (64, 64, 3)
LABEL_FORMATS = ("binary", "sparse", "onehot")


def evaluate_once(model, input_shape) -> tuple[tuple[str, ...], str]:
    """(names fit logs for training and validation, label format the loss accepts)."""
    images = np.linspace(0.0, 1.0, 2 * int(np.prod(input_shape)), dtype="float32")
    images = images.reshape((2, *input_shape))
    last_error = None
    for label_format in _candidate_formats(model):
        try:
            logged = model.evaluate(images, labels_as([0, 1], label_format), verbose=0, return_dict=True)
        except Exception as error:  # the wrong label format for this loss: try the next
            last_error = error
            continue
        names = tuple(sorted(logged))
        return tuple(sorted(names + tuple(f"val_{name}" for name in names))), label_format
    raise last_error


def _candidate_formats(model):
    units = int(model.outputs[0].shape[-1]) if getattr(model, "outputs", None) else 1
    return LABEL_FORMATS if units == 1 else ("sparse", "onehot")


def student_model(submission, input_shape=GRADING_INPUT_SHAPE):
    """(model, logged names, label format, failure): the student's compiled model, evaluated once.

    What the evaluation teaches (logged names, label format) is kept in the submission's
    memo: later calls build a fresh model and skip the evaluation.
    """
    build_model = submission.function("model", "build_model")
    if isinstance(build_model, Failure):
        return None, None, None, build_model
    model, failure = submission.call(build_model, input_shape=input_shape)
    if failure:
        return None, None, None, failure
    if not hasattr(model, "fit") or not hasattr(model, "evaluate"):
        return None, None, None, Failure(kind="raised", where="build_model()",
                                         summary=f"returned a {type(model).__name__}, not a keras.Model")
    if getattr(model, "optimizer", None) is None or not getattr(model, "compiled", True):
        return None, None, None, Failure(kind="raised", where="build_model()",
                                         summary="returned a model that is not compiled (call model.compile)")
    key = ("evaluated", tuple(input_shape))
    if key not in submission.memo:
        submission.memo[key] = submission.call(evaluate_once, model, input_shape)
    result, failure = submission.memo[key]
    if failure:
        return None, None, None, failure
    logs, label_format = result
    return model, logs, label_format, None


def assignment_shaped_model():
    """A model compiled the way the assignment asks: sigmoid output, BCE, "accuracy".

    Keras resolves a callback's mode "auto" against the model's compiled metrics;
    resolving it here judges the callback alone, not the student's model.
    """
    import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="binary_crossentropy",
                  metrics=["accuracy"])
    evaluate_once(model, (4,))
    return model


def stand_in_model(input_shape=GRADING_INPUT_SHAPE):
    """A small CNN the grader trains when the student's build_model cannot be used.

    The callbacks are still graded on real training; the model is graded elsewhere.
    """
    import keras
    from keras import layers

    model = keras.Sequential([
        keras.Input(shape=input_shape),
        layers.Conv2D(8, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Conv2D(16, 3, activation="relu"),
        layers.GlobalAveragePooling2D(),
        layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model

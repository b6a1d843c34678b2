"""Building the student's model at grading size and finding what it logs and which labels it takes.

`model.metrics` lists nothing useful until the compiled metrics are built, and
a callback's mode "auto" is resolved against those built metrics, so the probe
evaluates the model once on two images before anyone asks about directions.
"""
from __future__ import annotations

import re

import numpy as np

from grader.facts import Failure, ModelFacts
from grader.quiet import seed_everything
from grader.synthetic import LEARNING_EPOCHS, blob_images, labels_as

# Small enough to train in a blink, large enough for a classic four-block valid-padding CNN.
GRADING_INPUT_SHAPE = (64, 64, 3)
# A second, non-square size: a model that ignores input_shape cannot match both.
OTHER_INPUT_SHAPE = (80, 96, 3)


def evaluate_once(model, input_shape) -> tuple[tuple[str, ...], str]:
    """(names fit logs for training and validation, label format the loss takes)."""
    images = np.linspace(0.0, 1.0, 2 * int(np.prod(input_shape)), dtype="float32")
    images = images.reshape((2, *input_shape))
    label_format = label_format_for(model)
    logged = model.evaluate(images, labels_as([0, 1], label_format), verbose=0, return_dict=True)
    names = tuple(sorted(logged))
    return tuple(sorted(names + tuple(f"val_{name}" for name in names))), label_format


def label_format_for(model) -> str:
    """The label form the model's loss takes: "binary" (n, 1), "sparse" (n,) or "onehot" (n, 2).

    Read from the loss rather than found by trial: a failed evaluate leaves Keras's
    traced test step half-built, and the next attempt fails for that reason alone.
    """
    loss, _from_logits = _loss(getattr(model, "loss", None))
    units = int(model.outputs[0].shape[-1]) if getattr(model, "outputs", None) else 1
    if loss == "categorical_crossentropy" or (units >= 2 and loss == "binary_crossentropy"):
        return "onehot"
    if loss == "sparse_categorical_crossentropy" or units >= 2:
        return "sparse"
    return "binary"


def labels_wanted(model) -> str | None:
    """The label form the assignment asks of the data with this model: "onehot" for two units with
    categorical cross-entropy, "sparse" for two with sparse categorical, "binary" for one unit with
    binary cross-entropy; None where output and loss do not fit together, or the output's size is
    unknown (that is the model's item to judge: the data may then come in any form allowed)."""
    loss, _from_logits = _loss(getattr(model, "loss", None))
    units = int(model.outputs[0].shape[-1]) if getattr(model, "outputs", None) else None
    return {("categorical_crossentropy", 2): "onehot", ("sparse_categorical_crossentropy", 2): "sparse",
            ("binary_crossentropy", 1): "binary"}.get((loss, units))


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
        return None, None, None, Failure(kind="returned", where="build_model()",
                                         summary=f"returned a {type(model).__name__}, not a keras.Model")
    if getattr(model, "optimizer", None) is None or not getattr(model, "compiled", True):
        return None, None, None, Failure(kind="returned", where="build_model()",
                                         summary="returned a model that is not compiled (call model.compile)")
    key = ("evaluated", tuple(input_shape))
    if key not in submission.memo:
        submission.memo[key] = submission.call(evaluate_once, model, input_shape)
    else:  # a fresh model: one forward pass builds its weights (subclassed models build lazily)
        _, failure = submission.call(model, np.zeros((1, *input_shape), dtype="float32"), training=False)
        if failure:
            return None, None, None, failure
    result, failure = submission.memo[key]
    if failure:
        return None, None, None, failure
    logs, label_format = result
    return model, logs, label_format, None


def replay_model():
    """One assignment-shaped model per process for resolving directions and replaying callbacks.

    Neither use trains it; replays reset its learning rate and stop flag themselves.
    """
    global _REPLAY_MODEL
    if _REPLAY_MODEL is None:
        _REPLAY_MODEL = assignment_shaped_model()
    return _REPLAY_MODEL


_REPLAY_MODEL = None
_REFERENCE_REPLAY_MODEL = None


def reference_replay_model():
    """A model of its own for replaying the reference's callbacks (and plain Keras ones).

    Student callbacks are handed `replay_model()` and could change it (its optimizer, say);
    what they are compared with is replayed on a model they never see.
    """
    global _REFERENCE_REPLAY_MODEL
    if _REFERENCE_REPLAY_MODEL is None:
        _REFERENCE_REPLAY_MODEL = assignment_shaped_model()
    return _REFERENCE_REPLAY_MODEL


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


def grading_model(submission):
    """(model, label format, input scale, problem): one model per submission for every training run.

    Tracing a model's train and test steps costs more than all the epochs the grader
    runs, so the student's model is built once and restored to its initial weights and
    optimizer state before each run. When build_model cannot be used, a stand-in model
    trains instead and `problem` says why.
    """
    if "grading_model" not in submission.memo:
        seed_everything()
        model, _logs, label_format, failure = student_model(submission)
        problem = None
        if failure:
            seed_everything()
            model, label_format, problem = stand_in_model(), "binary", failure.explain()
        try:
            model.optimizer.build(model.trainable_variables)
        except Exception:  # already built, or an optimizer that builds itself later
            pass
        state = (model.get_weights(), [v.numpy() for v in model.optimizer.variables])
        submission.memo["grading_model"] = (model, label_format, input_scale(model), problem, state)
    model, label_format, scale, problem, (weights, optimizer_values) = submission.memo["grading_model"]
    model.set_weights(weights)
    for variable, value in zip(model.optimizer.variables, optimizer_values):
        variable.assign(value)
    model.stop_training = False
    seed_everything()
    return model, label_format, scale, problem


def all_layers(model):
    """Every layer, nested models opened up, in the order the model applies them.

    `model.layers` is in call order for Sequential and functional models (attribute
    order for subclassed ones); Keras's own recursive walk is not, inside nested models.
    """
    for layer in getattr(model, "layers", []):
        yield layer
        if getattr(layer, "layers", None):
            yield from all_layers(layer)


def first_conv(model):
    """The first Conv2D the model applies (nested models included), or None."""
    import keras

    for layer in all_layers(model):
        if isinstance(layer, keras.layers.Conv2D):
            return layer
    return None


def first_conv_range(model, images) -> tuple[float, float] | None:
    """(min, max) of the values that reach the model's first Conv2D when it sees `images`."""
    import keras

    conv = first_conv(model)
    if conv is None:
        return None
    seen = []
    original = conv.call

    def spy(inputs, *args, **kwargs):
        seen.append((float(keras.ops.min(inputs)), float(keras.ops.max(inputs))))
        return original(inputs, *args, **kwargs)

    conv.call = spy
    try:
        model(images, training=False)
    finally:
        del conv.call
    return (min(lo for lo, _ in seen), max(hi for _, hi in seen)) if seen else None


def input_scale(model) -> float:
    """255.0 when the model divides its input by 255 itself (a Rescaling layer), else 1.0."""
    shape = tuple(model.inputs[0].shape[1:]) if getattr(model, "inputs", None) else GRADING_INPUT_SHAPE
    try:
        seen = first_conv_range(model, np.ones((1, *shape), dtype="float32"))
    except Exception:
        return 1.0
    return 255.0 if seen and 0 < seen[1] < 0.05 else 1.0


def probe_model(submission, scratch) -> ModelFacts:
    build_model = submission.function("model", "build_model")
    if isinstance(build_model, Failure):
        return ModelFacts(failure=build_model)
    model, logged, label_format, failure = student_model(submission)
    if failure:
        # A model that ignores input_shape fails at the grading size but may still work at
        # its own: inspect it there, so that one mistake costs one item, not the area.
        model, logged, failure = _at_its_own_size(submission, build_model, failure)
        if failure:
            return ModelFacts(failure=failure)
    declared, problems = [], []
    for shape in (GRADING_INPUT_SHAPE, OTHER_INPUT_SHAPE):
        built, problem = _built_at(submission, build_model, shape)
        declared.append(_declared_shape(built))
        problems.append(problem)
    layers = list(all_layers(model))
    counts: dict[str, int] = {}
    for layer in layers:
        counts[type(layer).__name__] = counts.get(type(layer).__name__, 0) + 1
    import keras

    loss, from_logits = _loss(model.loss)
    units, activation = _output(model)
    if units is None:  # a subclassed model has no symbolic outputs: ask it
        outputs, failure = submission.call(model, np.zeros((1, *GRADING_INPUT_SHAPE), dtype="float32"))
        units = int(np.asarray(outputs).shape[-1]) if not failure else None
    learned, learning_problem = _learned_accuracy(submission, activation, units)
    return ModelFacts(
        layer_counts=counts,
        nested_models=tuple(layer.name for layer in layers if isinstance(layer, keras.Model)),
        source_uses_applications=_mentions_applications(submission),
        requested_shapes=(GRADING_INPUT_SHAPE, OTHER_INPUT_SHAPE),
        declared_shapes=tuple(declared),
        input_problems=tuple(problems),
        output_units=units,
        output_activation=activation,
        loss=loss,
        from_logits=from_logits,
        logged=logged,
        params=int(model.count_params()),
        input_scale=input_scale(model),
        learned_accuracy=learned,
        learning_problem=learning_problem,
    )


def _at_its_own_size(submission, build_model, failure):
    """(model, logged, failure): build_model() with its default input shape, evaluated once."""
    model, default_failure = submission.call(build_model)
    shape = _declared_shape(model)
    if default_failure or shape is None or None in shape or tuple(shape) == GRADING_INPUT_SHAPE:
        return None, None, failure
    result, default_failure = submission.call(evaluate_once, model, shape)
    if default_failure:
        return None, None, failure
    return model, result[0], None


def _built_at(submission, build_model, shape):
    """(model, problem): build at this size and run one image through it."""
    model, failure = submission.call(build_model, input_shape=shape)
    if failure:
        return None, failure.summary
    _, failure = submission.call(model, np.zeros((1, *shape), dtype="float32"))
    return model, (failure.summary if failure else None)


def _declared_shape(model):
    if model is None or not getattr(model, "inputs", None):
        return None
    return tuple(None if d is None else int(d) for d in model.inputs[0].shape[1:])


def _mentions_applications(submission) -> bool:
    path = submission.root / "model.py"
    text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
    code = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    return bool(re.search(r"\bapplications\b", code))


LOSS_NAMES = {
    "bce": "binary_crossentropy",
    "binarycrossentropy": "binary_crossentropy",
    "binary_crossentropy": "binary_crossentropy",
    "categoricalcrossentropy": "categorical_crossentropy",
    "categorical_crossentropy": "categorical_crossentropy",
    "cce": "categorical_crossentropy",
    "sparsecategoricalcrossentropy": "sparse_categorical_crossentropy",
    "sparse_categorical_crossentropy": "sparse_categorical_crossentropy",
}


def _loss(loss) -> tuple[str | None, bool | None]:
    """(normalized loss name, from_logits) from whatever compile() received."""
    if loss is None:
        return None, None
    if isinstance(loss, str):
        return LOSS_NAMES.get(loss.lower(), loss.lower()), False
    from_logits = getattr(loss, "from_logits", None)
    if from_logits is None and hasattr(loss, "get_config"):
        try:
            from_logits = loss.get_config().get("from_logits")
        except Exception:
            from_logits = None
    name = getattr(loss, "__name__", None) or type(loss).__name__
    return LOSS_NAMES.get(name.lower(), name.lower()), bool(from_logits)


def _output(model) -> tuple[int | None, str | None]:
    """(units, activation) of the layer that produces the model's output."""
    import keras

    layer = None
    outputs = getattr(model, "outputs", None)
    if outputs:
        history = getattr(outputs[0], "_keras_history", None)
        layer = getattr(history, "operation", None) if history else None
    if layer is None and model.layers:
        layer = model.layers[-1]
    units = int(outputs[0].shape[-1]) if outputs else None
    if isinstance(layer, keras.layers.Softmax):
        return units, "softmax"
    activation = getattr(layer, "activation", None)
    name = getattr(activation, "__name__", None) if activation is not None else None
    return units, name


def _learned_accuracy(submission, activation, units):
    """(validation accuracy, problem) after a few epochs on the easy synthetic task."""
    model, label_format, scale, problem = grading_model(submission)
    if problem:
        return None, problem
    images, labels = blob_images(96, GRADING_INPUT_SHAPE[0])
    images = images * scale
    _, failure = submission.call(
        model.fit, images[:64], labels_as(labels[:64], label_format), epochs=LEARNING_EPOCHS,
        batch_size=16, shuffle=False, verbose=0,
    )
    if failure:
        return None, failure.summary
    outputs, failure = submission.call(model, images[64:], training=False)
    if failure:
        return None, failure.summary
    outputs = np.asarray(outputs).reshape((len(outputs), -1))
    if outputs.shape[1] >= 2:
        predicted = outputs.argmax(axis=1)
    else:
        predicted = (outputs[:, 0] > (0.5 if activation == "sigmoid" else 0.0)).astype("int64")
    return round(float((predicted == labels[64:]).mean()), 4), None

"""Building the student's model at grading size and finding what it logs and which labels it takes.

`model.metrics` lists nothing useful until the compiled metrics are built, and
a callback's mode "auto" is resolved against those built metrics, so the probe
evaluates the model once on two images before anyone asks about directions.
"""
from __future__ import annotations

import contextlib
import re

import numpy as np

from grader.facts import Failure, ModelFacts
from grader.questions import current
from grader.quiet import seed_everything
from grader.synthetic import GRADING_INPUT_SHAPE, GRADING_SIZES, LEARNING_EPOCHS, blob_images, labels_as

# model.learns: rounds of LEARNING_EPOCHS epochs (32 optimizer steps each) until the held-out
# accuracy reaches LEARNED, at most LEARNING_ROUNDS of them: plain SGD, say, needs more steps than
# Adam to learn the task, and only a model that does not learn pays for the whole budget.
LEARNING_ROUNDS = 6
LEARNING_IMAGES = 64
PUBLIC_HELD_OUT = 32
LEARNED = 0.9


def evaluate_once(model, input_shape) -> tuple[tuple[str, ...], str, float | None]:
    """(names fit logs for training and validation, label format the loss takes, the threshold of
    the accuracy metric Keras built, when it has one)."""
    images = np.linspace(0.0, 1.0, 2 * int(np.prod(input_shape)), dtype="float32")
    images = images.reshape((2, *input_shape))
    label_format = label_format_for(model)
    with _eagerly(model):
        logged = model.evaluate(images, labels_as([0, 1], label_format), verbose=0, return_dict=True)
    names = tuple(sorted(logged))
    return (tuple(sorted(names + tuple(f"val_{name}" for name in names))), label_format,
            _accuracy_threshold(model))


@contextlib.contextmanager
def _eagerly(model):
    """One evaluation without tracing a graph (the names it logs are all it is for).

    Tracing the test step costs a few tenths of a second, for two images; the training runs
    trace their own later. The model's settings are put back, and its eager test function
    dropped, so that those runs trace a graph as before.
    """
    if not (hasattr(model, "_run_eagerly") and hasattr(model, "_jit_compile")):  # not a Keras 3 trainer
        yield
        return
    run_eagerly, jit_compile = model._run_eagerly, model._jit_compile
    model._jit_compile, model._run_eagerly = False, True
    try:
        yield
    finally:
        model._jit_compile, model._run_eagerly = jit_compile, run_eagerly
        model.test_function = None


def _accuracy_threshold(model) -> float | None:
    """The threshold of the compiled binary accuracy metric (0.5 for metrics=["accuracy"]), if any."""
    metrics = list(model.metrics)
    while metrics:
        metric = metrics.pop(0)
        if type(metric).__name__ == "CompileMetrics":
            metrics.extend(getattr(metric, "metrics", []))
        elif "acc" in getattr(metric, "name", "") and isinstance(getattr(metric, "threshold", None), float):
            return metric.threshold
    return None


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


def other_shape(shape) -> tuple[int, int, int]:
    """A second, non-square size asked for beside the grading size ((80, 96, 3) beside 64x64): a
    model that ignores input_shape cannot match both."""
    return (shape[0] + 16, shape[1] + 32, shape[2])


def grading_shape(submission) -> tuple[int, int, int]:
    """The size the student's model is graded and trained at (see GRADING_SIZES)."""
    if "grading_shape" not in submission.memo:
        student_model(submission)
    return submission.memo["grading_shape"]


def student_model(submission, input_shape=None):
    """(model, logged names, label format, failure): the student's compiled model, evaluated once.

    Without `input_shape`, at the smallest of GRADING_SIZES the model takes (or the size
    build_model() declares by default); `grading_shape` then says which. A failure is the
    one at 64x64 when no size works. What the evaluation teaches (logged names, label format)
    is kept in the submission's memo: later calls build a fresh model and skip the evaluation.
    """
    if input_shape is not None:
        return _student_model_at(submission, tuple(input_shape))
    if "grading_shape" in submission.memo:
        return _student_model_at(submission, submission.memo["grading_shape"])
    first, problem = None, None
    shapes = list(GRADING_SIZES)
    for shape in shapes:
        result = _student_model_at(submission, shape)
        if result[3] is None:
            submission.memo["grading_shape"] = shape
            if problem is not None:
                submission.memo["smaller_size_problem"] = problem
            return result
        if first is None:
            first = result
            if result[3].kind != "raised":  # no other size would import, implement or return a model
                break
            build_model = submission.function("model", "build_model")
            declared = _declared_shape(submission.call(build_model, input_shape=shape)[0])
            problem = (f"asked for {shape}, it takes {declared}" if declared and declared != shape
                       else result[3].summary)
            own = _declared_shape(submission.call(build_model)[0])
            if own and None not in own and own not in shapes:
                shapes.append(own)
    submission.memo["grading_shape"] = GRADING_INPUT_SHAPE
    return first


def _student_model_at(submission, input_shape):
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
    logs, label_format, _threshold = result
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


def batches(images, labels, batch_size: int):
    """The grader's images and labels as a tf.data pipeline of batches, in order, for `fit`.

    Given numpy arrays, `fit` builds a new input pipeline (with its own traced functions) for
    every epoch, about 55 ms each time, more than the step itself at the grader's sizes; a
    dataset of ready batches costs under 1 ms an epoch. The batches are the arrays' own, in
    order (as `shuffle=False` gives), with floats cast to float32 as Keras casts arrays.
    """
    import tensorflow as tf

    def floatx(array):
        array = np.asarray(array)
        return array.astype("float32") if array.dtype.kind == "f" and array.dtype != np.float32 else array

    options = tf.data.Options()
    options.experimental_optimization.apply_default_optimizations = False
    options.autotune.enabled = False
    dataset = tf.data.Dataset.from_tensor_slices((floatx(images), floatx(labels))).batch(batch_size)
    return dataset.with_options(options)


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
    # A model that cannot take 64x64, or ignores input_shape, is inspected at a size it takes
    # (see student_model), so that one mistake costs one item, not the area.
    model, logged, label_format, failure = student_model(submission)
    if failure:
        return ModelFacts(failure=failure)
    shape = grading_shape(submission)
    requested = (shape, other_shape(shape))
    declared, problems = [], []
    for shape in requested:
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
        outputs, failure = submission.call(model, np.zeros((1, *requested[0]), dtype="float32"))
        units = int(np.asarray(outputs).shape[-1]) if not failure else None
    learning = _learning(submission, activation)
    return ModelFacts(
        layer_counts=counts,
        nested_models=tuple(layer.name for layer in layers if isinstance(layer, keras.Model)),
        source_uses_applications=_mentions_applications(submission),
        requested_shapes=requested,
        declared_shapes=tuple(declared),
        input_problems=tuple(problems),
        output_units=units,
        output_activation=activation,
        loss=loss,
        from_logits=from_logits,
        logged=logged,
        params=int(model.count_params()),
        input_scale=input_scale(model),
        smaller_size_problem=submission.memo.get("smaller_size_problem"),
        accuracy_threshold=submission.memo[("evaluated", requested[0])][0][2],
        asked=current().digest,
        **learning,
    )


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


def _learning(submission, activation) -> dict:
    """ModelFacts' learning fields: rounds of training on the easy task until the model has learned it.

    Each round trains LEARNING_EPOCHS epochs of 4 steps, then classifies PUBLIC_HELD_OUT held-out images
    in inference mode, as Keras's own evaluate would. BatchNormalization's moving averages
    lag far behind the weights after a few dozen steps (momentum 0.99), so a model with it
    would be judged on statistics of its first steps: before classifying, they are set to
    the statistics of the training images (one forward pass with momentum 0, as "precise
    BatchNorm" does), which is what many more steps would converge to.
    """
    model, label_format, scale, problem = grading_model(submission)
    if problem:
        return {"learning_problem": problem}
    from grader.questions import held_out_at

    size = grading_shape(submission)[:2]
    images, labels = blob_images(LEARNING_IMAGES + PUBLIC_HELD_OUT, size)
    images = images * scale
    # The grading's held-out images, whose labels stay with the trusted process: the model's classes
    # for them are its answers, judged outside. The rounds stop on the images whose labels are here.
    asked = held_out_at(current(), size) * scale
    curve, answers = [], []
    for _ in range(LEARNING_ROUNDS):
        _, failure = submission.call(
            model.fit, batches(images[:LEARNING_IMAGES], labels_as(labels[:LEARNING_IMAGES], label_format), 16),
            epochs=LEARNING_EPOCHS,
            shuffle=False, verbose=0,
        )
        if not failure:
            measured, failure = submission.call(_held_out_accuracy, model, images, labels, activation, asked)
            accuracy, classes = measured if not failure else (None, None)
        if failure:
            return {"learning_problem": failure.summary, "learning_curve": tuple(curve),
                    "held_out_answers": tuple(answers)}
        curve.append(accuracy)
        answers.append(classes)
        if accuracy >= LEARNED:
            break
    return {"learned_accuracy": max(curve), "learning_curve": tuple(curve),
            "learning_steps": LEARNING_EPOCHS * LEARNING_IMAGES // 16, "held_out_answers": tuple(answers)}


def _held_out_accuracy(model, images, labels, activation, asked) -> tuple[float, str]:
    """Accuracy on the images after the training ones in inference mode, BatchNormalization statistics
    from the first 64 training images;
    and the classes of the `asked` images, as a string of 0 and 1."""
    import keras

    norms = [layer for layer in model._flatten_layers(include_self=False)
             if isinstance(layer, keras.layers.BatchNormalization)]
    if norms:
        saved = [(layer.moving_mean.numpy(), layer.moving_variance.numpy()) for layer in norms]
        momenta = [layer.momentum for layer in norms]
        for layer in norms:
            layer.momentum = 0.0
        try:
            model(images[:64], training=True)
        finally:
            for layer, momentum in zip(norms, momenta):
                layer.momentum = momentum
    # In batches of 32, as predict would: 128 images at once at 150x150 held hundreds of MB of activations.
    shown = np.concatenate([images[LEARNING_IMAGES:], asked])
    outputs = np.concatenate([np.asarray(model(shown[start:start + 32], training=False))
                              for start in range(0, len(shown), 32)])
    if norms:  # the next round trains on from the statistics training left
        for layer, (mean, variance) in zip(norms, saved):
            layer.moving_mean.assign(mean)
            layer.moving_variance.assign(variance)
    outputs = outputs.reshape((len(outputs), -1))
    if outputs.shape[1] >= 2:
        predicted = outputs.argmax(axis=1)
    else:
        predicted = (outputs[:, 0] > (0.5 if activation == "sigmoid" else 0.0)).astype("int64")
    known = len(images) - LEARNING_IMAGES
    classes = "".join(str(int(label)) for label in predicted[known:])
    return round(float((predicted[:known] == labels[LEARNING_IMAGES:]).mean()), 4), classes

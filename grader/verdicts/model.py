"""Verdicts on build_model (rubric area "model"): from scratch, honest input shape, output and loss
that fit together, an accuracy metric, a sane size, and that it learns an easy task."""
from __future__ import annotations

import re

from grader.facts import ModelFacts
from grader.grade import Judgement
from grader.synthetic import ASSIGNMENT_INPUT_SHAPE, GRADING_INPUT_SHAPE
from grader.verdicts import advisory, could_not_run, verdict
from grader.verdicts.wording import graded_size_note, size_text

PRETRAINED_NAMES = re.compile(
    r"^(mobilenet|vgg|resnet|efficientnet|inception|xception|densenet|nasnet|convnext|regnet)", re.I)
# A model may be this many times smaller or larger than the reference's at the grading size.
PARAMS_BELOW, PARAMS_ABOVE = 50, 20
# How far below the reference's accuracy on the easy task a model may land (the reference reaches 0.97,
# so the target is 0.67). The models that do not learn sit at chance (0.50); a deep network from
# scratch, MobileNetV2 say, learns the task to about 0.80 on the whole held-out distribution (it
# overfits 64 training images): at 0.85 it passed or failed by which 32 images a grading drew (0.91
# on the public ones, 0.75 on a seed's), at 0.67, on 96 of them, it passes on (almost) every seed.
LEARNING_MARGIN = 0.30

CONSISTENT = {
    (1, "sigmoid", "binary_crossentropy", False),
    (1, "linear", "binary_crossentropy", True),
    (2, "softmax", "categorical_crossentropy", False),
    (2, "softmax", "sparse_categorical_crossentropy", False),
    (2, "linear", "categorical_crossentropy", True),
    (2, "linear", "sparse_categorical_crossentropy", True),
}



@verdict("model.from_scratch")
def verdict_from_scratch(student: ModelFacts, reference: ModelFacts) -> Judgement:
    expected = "a CNN of your own: Conv2D and MaxPooling2D layers and a Dense head, nothing pretrained"
    if student.failure:
        return could_not_run(student.failure, expected)
    counts = student.layer_counts or {}
    problems = [f"no {kind} layer" for kind in ("Conv2D", "MaxPooling2D", "Dense") if not counts.get(kind)]
    pretrained = [name for name in student.nested_models if PRETRAINED_NAMES.match(name)]
    if pretrained:
        problems.append(f"a ready-made network inside ({', '.join(pretrained)})")
    if student.source_uses_applications:
        problems.append("model.py uses keras.applications")
    layers = ", ".join(f"{n} {kind}" for kind, n in counts.items() if kind != "InputLayer")
    if problems:
        return Judgement(False, expected, "; ".join(problems) + f" (layers: {layers})",
                         hint="Build the network yourself from Conv2D, MaxPooling2D and Dense layers; "
                              "keras.applications models are not allowed here.")
    return Judgement(True, expected, f"layers: {layers}")


@verdict("model.input_shape")
def verdict_input_shape(student: ModelFacts, reference: ModelFacts) -> Judgement:
    expected = "build_model(input_shape=S) gives a model that takes images of shape S, for any S"
    if student.failure:
        return could_not_run(student.failure, expected)
    for requested, declared, problem in zip(student.requested_shapes, student.declared_shapes,
                                            student.input_problems):
        if declared is not None and tuple(declared) != tuple(requested):
            return Judgement(False, expected, f"asked for {tuple(requested)}, the model takes {tuple(declared)}",
                             hint="Use the input_shape parameter: keras.Input(shape=input_shape).")
        if problem:
            return Judgement(False, expected, f"asked for {tuple(requested)}, the model fails on such images: "
                                              f"{problem}",
                             hint="Use the input_shape parameter, and keep enough pixels for every "
                                  "pooling step (small images shrink fast).")
    return Judgement(True, expected)


def _output_words(units, activation, loss, from_logits) -> str:
    logits = " (from_logits=True)" if from_logits else ""
    return f"{units} output unit(s) with activation {activation!r}, loss {loss!r}{logits}"


@verdict("model.output_loss")
def verdict_output_loss(student: ModelFacts, reference: ModelFacts) -> Judgement:
    expected = ("Dense(1, sigmoid) with binary cross-entropy, Dense(2, softmax) with (sparse) categorical "
                "cross-entropy, or logits with from_logits=True")
    if student.failure:
        return could_not_run(student.failure, expected)
    key = (student.output_units, student.output_activation, student.loss, bool(student.from_logits))
    found = _output_words(*key)
    return Judgement(key in CONSISTENT, expected, found)


@verdict("model.accuracy_metric")
def verdict_accuracy_metric(student: ModelFacts, reference: ModelFacts) -> Judgement:
    expected = "compiled with an accuracy metric, so that training logs accuracy and val_accuracy"
    if student.failure:
        return could_not_run(student.failure, expected)
    logged = student.logged or ()
    return Judgement("accuracy" in logged, expected, "the model logs " + ", ".join(logged))


@verdict("model.param_count")
def verdict_param_count(student: ModelFacts, reference: ModelFacts) -> Judgement:
    low, high = reference.params // PARAMS_BELOW, reference.params * PARAMS_ABOVE
    expected = f"between {low:,} and {high:,} parameters at the grading size {student.requested_shapes[:1] or ''}"
    if student.failure:
        return could_not_run(student.failure, expected)
    return Judgement(low <= student.params <= high, expected, f"{student.params:,} parameters",
                     hint="Too many usually means Flatten straight after a large feature map: add a pooling "
                          "block or use GlobalAveragePooling2D; too few, add filters or a block.")


def held_out_curve(student: ModelFacts, reference: ModelFacts) -> tuple[float, ...]:
    """The accuracy after each round on the grading's held-out images, from the classes the model gave
    and the labels only the trusted side holds (a reference without labels: the worker's own curve)."""
    labels = reference.held_out_labels
    if labels is None:
        return tuple(student.learning_curve) or (student.learned_accuracy,)
    return tuple(round(sum(a == b for a, b in zip(answer, labels)) / len(labels), 4) if len(answer) == len(labels)
                 else 0.0 for answer in student.held_out_answers)


@verdict("model.learns")
def verdict_learns(student: ModelFacts, reference: ModelFacts) -> Judgement:
    target = round(reference.learned_accuracy - LEARNING_MARGIN, 4)
    expected = (f"after a few epochs on an easy task (a bright square or none), validation accuracy of at "
                f"least {target:.2f} (the reference reaches {reference.learned_accuracy:.2f})")
    if student.failure:
        return could_not_run(student.failure, expected)
    if student.learned_accuracy is None:
        return Judgement(False, expected, f"the model could not be trained: {student.learning_problem}")
    curve = held_out_curve(student, reference)
    if not curve:
        return Judgement(False, expected, "no classes came back for the grader's held-out images")
    best = max(curve) if reference.held_out_labels is not None else student.learned_accuracy
    found = f"validation accuracy {best:.2f}"
    if len(curve) > 1:
        steps = student.learning_steps or 0
        found += (f" at best, training up to {steps * len(curve)} steps (after every "
                  f"{steps}: " + ", ".join(f"{a:.2f}" for a in curve) + ")")
    return Judgement(best >= target, expected, found,
                     hint="Check the learning rate, the output activation and loss, and that the network "
                          "is not so deep or narrow that nothing gets through.")


SHRUNK_TO_NOTHING = "Computed output size would be zero or negative"


def _plain_size_problem(problem: str) -> str:
    """Why the model could not take the smallest images, in words a beginner can act on."""
    if SHRUNK_TO_NOTHING in problem:
        return ("its convolution and pooling layers shrink images that small to nothing before the last "
                "of them (Keras: computed output size would be zero or negative).")
    return problem if problem.endswith(".") else problem + "."


@advisory("model")
def model_notes(student: ModelFacts, reference: ModelFacts) -> list[str]:
    if student.failure:
        return []
    notes = []
    shape = tuple(student.requested_shapes[0]) if student.requested_shapes else None
    if student.smaller_size_problem and shape:
        notes.append(graded_size_note(shape))
        if student.smaller_size_problem.startswith("asked for"):  # it ignores input_shape: model.input_shape
            notes.append(f"It takes {size_text(shape)} images whatever input_shape it is given.")
        else:
            notes.append(f"At {size_text(GRADING_INPUT_SHAPE)} it could not be built: "
                         f"{_plain_size_problem(student.smaller_size_problem)} That costs nothing: the "
                         f"assignment's images are {size_text(ASSIGNMENT_INPUT_SHAPE)}.")
    if (student.from_logits and "accuracy" in (student.logged or ()) and student.output_units == 1
            and student.accuracy_threshold != 0.0):
        notes.append("Your model outputs logits; metrics=['accuracy'] thresholds them at 0.5, not at 0. "
                     "Use keras.metrics.BinaryAccuracy(name='accuracy', threshold=0.0).")
    return notes

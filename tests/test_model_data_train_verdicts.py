"""Model, data and train verdicts as tables of hand-made facts: pure, no TensorFlow."""
from dataclasses import replace

import pytest

from grader.facts import DataFacts, ModelFacts, TrainFacts
from grader.rubric import load_rubric
from grader.grading import judge
from grader.verdicts.data import split_slices

RUBRIC = load_rubric()


def lost(area, student, reference):
    results = judge(RUBRIC, {area: student}, reference=lambda key: reference).items
    return {r.id for r in results if not r.passed}


@pytest.mark.parametrize("split, expected", [
    ("train[:80%]", ("train", 0, 80, "%")),
    ("train[80%:]", ("train", 80, 100, "%")),
    ("train[0%:80%]", ("train", 0, 80, "%")),
    (" train [ 80 % : ] ", ("train", 80, 100, "%")),
    ("train", ("train", 0, 100, "%")),
    ("train[:18000]", ("train", 0, 18000, "")),
    ("test", ("test", 0, 100, "%")),
])
def test_split_slices(split, expected):
    assert split_slices([{"split": split}]) == [expected]


MODEL = ModelFacts(
    layer_counts={"Conv2D": 4, "MaxPooling2D": 4, "Flatten": 1, "Dense": 2}, requested_shapes=((64, 64, 3), (80, 96, 3)),
    declared_shapes=((64, 64, 3), (80, 96, 3)), input_problems=(None, None), output_units=1,
    output_activation="sigmoid", loss="binary_crossentropy", from_logits=False,
    logged=("accuracy", "loss", "val_accuracy", "val_loss"), params=500_000, learned_accuracy=0.95,
)

MODEL_CASES = [
    ("reference", MODEL, set()),
    ("logits", replace(MODEL, output_activation="linear", from_logits=True), set()),
    ("softmax", replace(MODEL, output_units=2, output_activation="softmax", loss="categorical_crossentropy"), set()),
    ("sigmoid with from_logits", replace(MODEL, from_logits=True), {"model.output_loss"}),
    ("softmax 2 with binary loss", replace(MODEL, output_units=2, output_activation="softmax"), {"model.output_loss"}),
    ("pretrained base", replace(MODEL, nested_models=("mobilenetv2_0.35_64",)), {"model.from_scratch"}),
    ("own nested block is fine", replace(MODEL, nested_models=("conv_block",)), set()),
    ("no pooling", replace(MODEL, layer_counts={"Conv2D": 4, "Dense": 1}), {"model.from_scratch"}),
    ("fixed input", replace(MODEL, declared_shapes=((150, 150, 3), (150, 150, 3))), {"model.input_shape"}),
    ("too small for the input", replace(MODEL, input_problems=("ValueError: negative dimension", None)),
     {"model.input_shape"}),
    ("no accuracy", replace(MODEL, logged=("loss", "val_loss")), {"model.accuracy_metric"}),
    ("huge", replace(MODEL, params=60_000_000), {"model.param_count"}),
    ("does not learn", replace(MODEL, learned_accuracy=0.5), {"model.learns"}),
    ("just within the margin", replace(MODEL, learned_accuracy=0.8), set()),
]


@pytest.mark.parametrize("name, student, must_lose", MODEL_CASES, ids=[c[0] for c in MODEL_CASES])
def test_model_verdicts(name, student, must_lose):
    assert lost("model", student, MODEL) == must_lose


DATA = DataFacts(
    requests=({"name": "cats_vs_dogs", "split": ["train[:80%]", "train[80%:]"], "as_supervised": True},),
    image_size=(64, 72), batch_size=6, train_images=((6, 64, 72, 3), "float32"),
    val_images=((6, 64, 72, 3), "float32"), train_labels=((6,), "int64", (0.0, 1.0)),
    pixel_range=(0.0, 1.0), first_conv_range=(0.0, 1.0), label_format="binary",
    source_order=(0, 1, 2, 3), train_orders=((2, 0, 3, 1), (1, 3, 0, 2)),
)

DATA_CASES = [
    ("reference", DATA, set()),
    ("two calls", replace(DATA, requests=(
        {"name": "cats_vs_dogs", "split": "train[:80%]", "as_supervised": True},
        {"name": "cats_vs_dogs", "split": "train[80%:]", "as_supervised": True})), set()),
    ("overlapping slices", replace(DATA, requests=(
        {"name": "cats_vs_dogs", "split": ["train[:80%]", "train[:20%]"], "as_supervised": True},)), {"data.request"}),
    ("dicts, not pairs", replace(DATA, requests=(
        {"name": "cats_vs_dogs", "split": ["train[:80%]", "train[80%:]"], "as_supervised": False},)), {"data.request"}),
    ("fixed size", replace(DATA, train_images=((6, 150, 150, 3), "float32")), {"data.batches"}),
    ("uint8", replace(DATA, val_images=((6, 64, 72, 3), "uint8")), {"data.batches"}),
    ("one-hot for a sigmoid", replace(DATA, train_labels=((6, 2), "float32", (0.0, 1.0))), {"data.labels"}),
    ("one-hot for softmax", replace(DATA, label_format="onehot", train_labels=((6, 2), "float32", (0.0, 1.0))),
     set()),
    ("integers for categorical", replace(DATA, label_format="onehot"), {"data.labels"}),
    # the model does not say (it does not build, or 2 softmax units with binary cross-entropy: the
    # model's item costs that): either form the assignment allows is right
    ("integers, model silent", replace(DATA, label_format=None), set()),
    ("one-hot, model silent", replace(DATA, label_format=None, train_labels=((6, 2), "float32", (0.0, 1.0))), set()),
    ("three classes, model silent", replace(DATA, label_format=None, train_labels=((6,), "int64", (0.0, 1.0, 2.0))),
     {"data.labels"}),
    ("rescaled in the model", replace(DATA, pixel_range=(0.0, 255.0)), set()),
    ("never scaled", replace(DATA, pixel_range=(0.0, 255.0), first_conv_range=(0.0, 255.0)), {"data.value_range"}),
    ("scaled twice", replace(DATA, first_conv_range=(0.0, 0.0039)), {"data.value_range"}),
    ("no model, scaled pipeline", replace(DATA, first_conv_range=None, first_conv_problem="x"), set()),
    ("not shuffled", replace(DATA, train_orders=((0, 1, 2, 3), (0, 1, 2, 3))), {"data.shuffled", "data.reshuffled"}),
    # shuffled, but the same order every epoch: only the hidden item notices
    ("shuffled once with a fixed order", replace(DATA, train_orders=((3, 1, 2, 0), (3, 1, 2, 0))),
     {"data.reshuffled"}),
    ("reshuffled every epoch", replace(DATA, train_orders=((3, 1, 2, 0), (2, 0, 3, 1))), set()),
]


@pytest.mark.parametrize("name, student, must_lose", DATA_CASES, ids=[c[0] for c in DATA_CASES])
def test_data_verdicts(name, student, must_lose):
    assert lost("data", student, DATA) == must_lose


HISTORY = {"params": {"epochs": 5}, "history": {"val_accuracy": [0.5, 0.7, 0.7], "learning_rate": [1e-3] * 3}}
ANSWER = {"epochs_run": 3, "stopped_early": True, "lr_reduced": False, "final_lr": 1e-3, "best_epoch": 2,
          "best_val_accuracy": 0.7}
CALL = {"x": "the training set", "validation_data": "the validation set", "callbacks": "all the callbacks given",
        "epochs": 7}
TRAIN = TrainFacts(fit_calls=(CALL,), returned="the History from fit", histories=(HISTORY,),
                      summaries=(ANSWER,), summary_failures=(None,))

TRAIN_CASES = [
    ("reference", TRAIN, set()),
    ("float32 values are fine", replace(TRAIN, summaries=(dict(ANSWER, best_val_accuracy=0.699999988079071),)),
     set()),
    ("0-based best epoch", replace(TRAIN, summaries=(dict(ANSWER, best_epoch=1),)), {"train.summarize"}),
    ("int for a bool", replace(TRAIN, summaries=(dict(ANSWER, stopped_early=1),)), {"train.summarize"}),
    ("a key missing", replace(TRAIN, summaries=({k: v for k, v in ANSWER.items() if k != "final_lr"},)),
     {"train.summarize"}),
    ("raised", replace(TRAIN, summaries=(None,), summary_failures=("KeyError: 'lr'",)), {"train.summarize"}),
    ("no callbacks", replace(TRAIN, fit_calls=(dict(CALL, callbacks="none"),)), {"train.fit_call"}),
    ("no validation", replace(TRAIN, fit_calls=(dict(CALL, validation_data="nothing"),)), {"train.fit_call"}),
    ("default epochs", replace(TRAIN, fit_calls=(dict(CALL, epochs=50),)), {"train.fit_call"}),
    ("nothing returned", replace(TRAIN, returned="NoneType"), {"train.fit_call"}),
    ("fit twice", replace(TRAIN, fit_calls=(CALL, CALL)), {"train.fit_call"}),
]


@pytest.mark.parametrize("name, student, must_lose", TRAIN_CASES, ids=[c[0] for c in TRAIN_CASES])
def test_train_verdicts(name, student, must_lose):
    assert lost("train", student, TRAIN) == must_lose


def test_summarize_feedback_shows_the_history_and_the_difference():
    results = judge(RUBRIC, {"train": replace(TRAIN, summaries=(dict(ANSWER, best_epoch=1),))},
                    reference=lambda key: TRAIN).items
    found = next(r.found for r in results if r.id == "train.summarize")
    assert "[0.5, 0.7, 0.7]" in found and "best_epoch: expected 2, yours 1" in found

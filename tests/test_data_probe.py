"""The data probe's mock looks like the real cats_vs_dogs, and slices are judged by what they select.

Each case is the reference's data.py with its tfds request written another way; the probe runs
it under the mock (about a second each) and data.request judges the facts against the
reference's. The fixtures in tests/submissions grade a few of these end to end.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from grader.facts import DataFacts
from grader.grading import judge
from grader.probes.data import REAL_DATASET
from grader.rubric import load_rubric
from tests.conftest import REFERENCE

RUBRIC = load_rubric()
REFERENCE_LOAD = '''train_raw, val_raw = tfds.load(
        "cats_vs_dogs", split=["train[:80%]", "train[80%:]"], as_supervised=True
    )'''

# name -> (what replaces the reference's tfds.load call, passes data.request)
FORMS = {
    "reference": (REFERENCE_LOAD, True),
    "negative percent": ('train_raw, val_raw = tfds.load("cats_vs_dogs", split=["train[:80%]", "train[-20%:]"], '
                         'as_supervised=True)', True),
    "to 100 percent, Split.TRAIN": (
        'train_raw, val_raw = tfds.load("cats_vs_dogs", split=[f"{tfds.Split.TRAIN}[0%:80%]", '
        'f"{tfds.Split.TRAIN}[80%:100%]"], as_supervised=True)', True),
    "with_info, counts by hand, two calls": ('''_, info = tfds.load("cats_vs_dogs", split="train[:1]", with_info=True)
    n = info.splits["train"].num_examples
    assert (n, info.features["label"].names, info.features["label"].num_classes) == (23262, ["cat", "dog"], 2)
    cut = int(0.8 * n)
    train_raw = tfds.load("cats_vs_dogs", split=f"train[:{cut}]", as_supervised=True)
    val_raw = tfds.load("cats_vs_dogs", split=f"train[{cut}:]", as_supervised=True)''', True),
    "builder info, counts by hand": ('''info = tfds.builder("cats_vs_dogs").info
    cut = int(0.8 * info.splits["train"].num_examples)
    train_raw = tfds.load("cats_vs_dogs", split=f"train[:{cut}]", as_supervised=True)
    val_raw = tfds.load("cats_vs_dogs", split=f"train[{cut}:]", as_supervised=True)''', True),
    "builder as_dataset, ReadInstructions": ('''builder = tfds.builder("cats_vs_dogs")
    builder.download_and_prepare()
    train_raw, val_raw = builder.as_dataset(split=[tfds.core.ReadInstruction("train", to=80, unit="%"),
        tfds.core.ReadInstruction("train", from_=80, unit="%")], as_supervised=True)''', True),
    "builder as_dataset, split given positionally": ('''builder = tfds.builder("cats_vs_dogs")
    train_raw = builder.as_dataset("train[:80%]", as_supervised=True)
    val_raw = builder.as_dataset("train[80%:]", as_supervised=True)''', True),
    "feature dicts mapped to pairs": ('''train_raw, val_raw = (ds.map(lambda x: (x["image"], x["label"])) for ds in
        tfds.load("cats_vs_dogs", split=["train[:80%]", "train[80%:]"]))''', True),
    "whole split, take/skip": ('''whole, info = tfds.load("cats_vs_dogs", split="train", as_supervised=True,
                             with_info=True)
    cut = int(0.8 * info.splits["train"].num_examples)
    train_raw, val_raw = whole.take(cut), whole.skip(cut)''', True),
    "swapped": ('val_raw, train_raw = tfds.load("cats_vs_dogs", split=["train[:80%]", "train[80%:]"], '
                'as_supervised=True)', False),
    # a disjoint 80/20 split, but not the first 80 % and the last 20 % that the assignment asks for
    "whole split, shard": ('''whole = tfds.load("cats_vs_dogs", split="train", as_supervised=True)
    val_raw = whole.shard(5, 4)
    train_raw = whole.shard(5, 0).concatenate(whole.shard(5, 1)).concatenate(whole.shard(5, 2)).concatenate(
        whole.shard(5, 3))''', False),
    "overlapping": ('train_raw, val_raw = tfds.load("cats_vs_dogs", split=["train[:90%]", "train[80%:]"], '
                    'as_supervised=True)', False),
    "20 percent for training": ('train_raw, val_raw = tfds.load("cats_vs_dogs", split=["train[:20%]", '
                                '"train[20%:]"], as_supervised=True)', False),
    "70/30": ('train_raw, val_raw = tfds.load("cats_vs_dogs", split=["train[:70%]", "train[70%:]"], '
              'as_supervised=True)', False),
    "79/21": ('train_raw, val_raw = tfds.load("cats_vs_dogs", split=["train[:79%]", "train[79%:]"], '
              'as_supervised=True)', False),
}


def probe(tmp_path: Path, load: str):
    from grader.probes.data import probe_data
    from grader.probes.student_code import Submission

    folder = tmp_path / "assignment"
    shutil.copytree(REFERENCE, folder, ignore=shutil.ignore_patterns("__pycache__"))
    source = (REFERENCE / "data.py").read_text(encoding="utf-8")
    assert source.count(REFERENCE_LOAD) == 1
    (folder / "data.py").write_text(source.replace(REFERENCE_LOAD, load), encoding="utf-8")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    return probe_data(Submission(tmp_path), scratch)


@pytest.fixture(scope="module")
def reference_facts(tmp_path_factory):
    return probe(tmp_path_factory.mktemp("reference"), REFERENCE_LOAD)


def lost(student, reference) -> set[str]:
    return {r.id for r in judge(RUBRIC, {"data": student}, reference=lambda key: reference).items if not r.passed}


@pytest.mark.parametrize("name", sorted(FORMS))
def test_a_request_is_judged_by_the_examples_it_selects(name, tmp_path, reference_facts):
    load, passes = FORMS[name]
    facts = probe(tmp_path, load)
    assert facts.failure is None, facts.failure
    if name == "with_info, counts by hand, two calls":
        # three requests: the one made for its info is a dataset the code never returns, so it does not
        # count: the datasets returned hold the right examples
        assert len(facts.requests) == 3
    assert lost(facts, reference_facts) == (set() if passes else {"data.request"}), facts.requests
    # the other items do not care how the slices were asked for
    assert facts.train_orders and facts.pixel_range[1] == 1.0 and facts.pairs


def test_the_mock_has_the_real_metadata_and_slices_select_their_share(tmp_path):
    import tensorflow_datasets as tfds

    from grader.probes.data import write_metadata

    with tfds.testing.mock_data(data_dir=str(write_metadata(tmp_path))):
        builder = tfds.builder("cats_vs_dogs")
        info = builder.info
        assert {name: split.num_examples for name, split in info.splits.items()} == REAL_DATASET["splits"]
        assert info.features["label"].names == REAL_DATASET["label_names"]
        assert {key: repr(feature) for key, feature in info.features.items()} == REAL_DATASET["features"]
        assert list(info.supervised_keys) == REAL_DATASET["supervised_keys"]
        assert info.splits["train[80%:]"].num_examples == 4652


def test_a_split_cats_vs_dogs_does_not_have_raises_as_it_does_for_real(tmp_path):
    facts = probe(tmp_path, 'train_raw, val_raw = tfds.load("cats_vs_dogs", split=["train", "test"], '
                            'as_supervised=True)')
    assert facts.failure and "Unknown split 'test'" in facts.failure.summary
    assert facts.requests[0]["selects"][1].startswith("Unknown split 'test'")


def test_slices_select_their_own_examples_and_the_probe_reads_the_first_batches(tmp_path):
    from grader.probes.data import READ_BATCHES
    facts = probe(tmp_path, REFERENCE_LOAD)
    read = READ_BATCHES * 6
    # train[:80%] is examples 0-18,609: the training set's first batches, shuffled, come from there
    assert all(len(order) == read and all(0 <= i < 18610 for i in order) for order in facts.train_orders)
    assert facts.train_orders[0] != facts.train_orders[1]
    # train[80%:] is examples 18,610-23,261, in file order on every pass
    assert facts.val_orders == (tuple(range(18610, 18610 + read)),) * 2
    assert (facts.train_size, facts.val_size) == (3102 * 6, 776 * 6)  # to a batch


@pytest.mark.parametrize("method", ["bilinear", "bicubic", "area", "nearest"])
def test_the_index_survives_resizing_normalization_and_flips(method):
    import numpy as np
    import tensorflow as tf

    from grader.probes.data import _example_index, mock_dataset

    examples = list(mock_dataset([("train", 23200, 23262)]).concatenate(mock_dataset([("train", 0, 3)])))
    assert {tuple(e["image"].shape) for e in examples} == {(16, 12, 3), (20, 17, 3), (24, 9, 3)}
    for example in examples:
        image, wanted = tf.cast(example["image"], tf.float32), int(example["image/filename"].numpy()[:-4])
        assert int(example["label"]) == wanted % 2
        for size in ((64, 72), (150, 150), (24, 30)):  # sizes a pipeline resizes to (upward, here)
            resized = tf.image.resize(image, size, method=method)
            for scaled in (resized, resized / 255.0, resized / 127.5 - 1, tf.image.per_image_standardization(resized),
                           tf.image.flip_left_right(resized / 255.0), tf.image.flip_up_down(resized)):
                assert _example_index(scaled.numpy()) == wanted, (method, size)
    assert _example_index(np.zeros((64, 72, 3))) is None and _example_index(np.full((64, 72, 3), 0.5)) is None


DATA = DataFacts(
    requests=({"name": "cats_vs_dogs", "split": ["train[:80%]", "train[80%:]"], "as_supervised": True},),
    image_size=(64, 72), batch_size=6, train_images=((6, 64, 72, 3), "float32"),
    val_images=((6, 64, 72, 3), "float32"), train_labels=((6,), "int64", (0.0, 1.0)),
    pixel_range=(0.0, 1.0), first_conv_range=(0.0, 1.0), label_format="binary",
    source_order=(0, 1, 2, 3), train_orders=((2, 0, 3, 1), (1, 3, 0, 2)), pairs=True,
)
BROKEN = replace(DATA, first_conv_range=None, label_format=None, model_problem="build_model() raised TypeError: x",
                 first_conv_problem="build_model() raised TypeError: x")


@pytest.mark.parametrize("name, student, must_lose", [
    ("absolute counts by hand", replace(DATA, requests=(
        {"name": "cats_vs_dogs", "split": ["train[:18609]", "train[18609:]"], "as_supervised": True},)), set()),
    ("a few examples off", replace(DATA, requests=(
        {"name": "cats_vs_dogs", "split": ["train[:18600]", "train[18600:]"], "as_supervised": True},)), set()),
    ("a hundred examples off", replace(DATA, requests=(
        {"name": "cats_vs_dogs", "split": ["train[:18500]", "train[18500:]"], "as_supervised": True},)),
     {"data.request"}),
    ("three slices", replace(DATA, requests=(
        {"name": "cats_vs_dogs", "split": ["train[:80%]", "train[80%:]", "train"], "as_supervised": True},)),
     {"data.request"}),
    ("dicts returned", replace(DATA, pairs=False, requests=(
        {"name": "cats_vs_dogs", "split": ["train[:80%]", "train[80%:]"], "as_supervised": False},)),
     {"data.request"}),
    ("model broken, pipeline scaled", BROKEN, set()),
    ("model broken, pipeline 0-255", replace(BROKEN, pixel_range=(0.0, 255.0)), set()),
    ("model broken, pipeline squared", replace(BROKEN, pixel_range=(0.0, 65025.0)), {"data.value_range"}),
    ("model broken, pipeline -1 to 1", replace(BROKEN, pixel_range=(-1.0, 1.0)), {"data.value_range"}),
    ("model broken, pipeline scaled twice", replace(BROKEN, pixel_range=(0.0, 1 / 255)), {"data.value_range"}),
    ("model broken, one-hot labels", replace(BROKEN, train_labels=((6, 2), "float32", (0.0, 1.0))), set()),
])
def test_verdicts(name, student, must_lose):
    assert lost(student, DATA) == must_lose


def test_a_model_that_cannot_be_built_is_named_in_the_data_items():
    items = {r.id: r for r in judge(RUBRIC, {"data": replace(BROKEN, pixel_range=(0.0, 255.0))},
                                    reference=lambda key: DATA).items}
    for item in ("data.value_range", "data.labels"):
        assert items[item].passed
        assert "your model could not be built (build_model() raised TypeError: x)" in items[item].found
    assert "either form is right here" in items["data.labels"].found


def test_the_metadata_is_facts_written_by_hand():
    data = json.loads((Path(__file__).resolve().parent.parent / "grader" / "cats_vs_dogs.json").read_text())
    assert data["splits"] == {"train": 23262} and data["label_names"] == ["cat", "dog"]

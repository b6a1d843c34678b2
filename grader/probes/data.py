"""Probe load_datasets offline, under tfds.testing.mock_data, with images the grader can trace.

The mock images are piecewise constant: the top half white, the bottom half a grey
level that encodes the example's index. The ratio of the two survives resizing and
any normalization, so the probe can tell in which order examples come out of the
student's pipeline (is the training set shuffled?) and what range their pixels have.

To the code that reads it, the mock looks like the real cats_vs_dogs: its metadata
(one split, 'train', of 23,262 examples; see grader/cats_vs_dogs.json) is written where
the mock looks for it, so `info.splits['train'].num_examples`, `with_info=True` and
slices by example count work as on the real dataset, and a split it does not have
('test') raises as it does there. A slice selects the mock examples that stand for
its part of the real split: each of the MOCK_EXAMPLES stands for 1/MOCK_EXAMPLES of it.
Every request reaches `DatasetBuilder.as_dataset`, whether it came through `tfds.load`
or a builder of the student's own, and is recorded there, with the examples it selects.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from grader.facts import DataFacts, Failure
from grader.probes.model import first_conv_range, grading_shape, labels_wanted, student_model

MOCK_EXAMPLES = 60
# Not the assignment's defaults, so that a pipeline ignoring its arguments shows.
PROBE_IMAGE_SIZE = (64, 72)
PROBE_BATCH_SIZE = 6
REAL_DATASET = json.loads((Path(__file__).resolve().parent.parent / "cats_vs_dogs.json").read_text("utf-8"))


def _mock_examples(indices=range(MOCK_EXAMPLES)):
    for index in indices:
        height, width = 60 + (index * 7) % 41, 50 + (index * 11) % 53
        image = np.zeros((height, width, 3), dtype=np.uint8)
        image[: height // 2] = 255
        image[height // 2:] = index + 1
        yield {"image": image, "image/filename": f"{index}.jpg".encode(), "label": index % 2}


def _example_index(image) -> int | None:
    """The index encoded in a (resized, maybe normalized) mock image, or None."""
    image = np.asarray(image, dtype="float64")
    height, width = image.shape[:2]
    top, bottom = image[height // 4, width // 2, 0], image[(3 * height) // 4, width // 2, 0]
    high, low = max(top, bottom), min(top, bottom)
    if high <= 0:
        return None
    return int(round(low / high * 255)) - 1


def write_metadata(data_dir: Path) -> Path:
    """The real dataset's metadata where tfds.testing.mock_data(data_dir=...) looks for it."""
    import tensorflow_datasets as tfds

    version = str(tfds.builder_cls(REAL_DATASET["name"]).VERSION)
    folder = data_dir / REAL_DATASET["name"] / version
    folder.mkdir(parents=True, exist_ok=True)
    info = {
        "name": REAL_DATASET["name"], "version": version, "fileFormat": "tfrecord",
        "splits": [{"name": name, "shardLengths": [str(size)],
                    "filepathTemplate": "{DATASET}-{SPLIT}.{FILEFORMAT}-{SHARD_X_OF_Y}"}
                   for name, size in REAL_DATASET["splits"].items()],
        "supervisedKeys": {"tuple": {"items": [{"featureKey": key} for key in REAL_DATASET["supervised_keys"]]}},
    }
    (folder / "dataset_info.json").write_text(json.dumps(info, indent=1), encoding="utf-8")
    (folder / "label.labels.txt").write_text("\n".join(REAL_DATASET["label_names"]) + "\n", encoding="utf-8")
    return data_dir


def _spelling(split) -> str:
    """'train[:80%]' for a string (tfds.Split.TRAIN is one), the repr of a ReadInstruction."""
    return str(split) if isinstance(split, str) else repr(split)


def _leaves(split, split_infos) -> list:
    """The single splits in a split argument (a string, a ReadInstruction, a list or dict of them, None)."""
    if split is None:
        return list(split_infos)
    if isinstance(split, dict):
        return [leaf for value in split.values() for leaf in _leaves(value, split_infos)]
    if isinstance(split, (list, tuple)):
        return [leaf for value in split for leaf in _leaves(value, split_infos)]
    return [split]


def resolve(split, split_infos) -> list[tuple[str, int, int]]:
    """The examples one split selects, as tfds reads them: [(split name, from, to), ...], `to` excluded.

    Raises tfds's own error for a split the dataset does not have or cannot parse.
    """
    import tensorflow_datasets as tfds

    instruction = (split if isinstance(split, tfds.core.ReadInstruction)
                   else tfds.core.ReadInstruction.from_spec(str(split)))
    return [(a.splitname, int(a.from_ or 0),
             int(a.to if a.to is not None else split_infos[a.splitname].num_examples))
            for a in instruction.to_absolute(split_infos)]


def mock_indices(ranges, split_infos) -> list[int]:
    """The mock examples a slice selects: those whose share of the real split has its middle in the slice."""
    indices = []
    for name, start, stop in ranges:
        size = split_infos[name].num_examples
        if stop <= start or not size:
            continue
        chosen = [i for i in range(MOCK_EXAMPLES) if start <= (i + 0.5) * size / MOCK_EXAMPLES < stop]
        indices.extend(chosen or [min(start * MOCK_EXAMPLES // size, MOCK_EXAMPLES - 1)])
    return indices


def probe_data(submission, scratch) -> DataFacts:
    from unittest import mock

    import tensorflow as tf
    import tensorflow_datasets as tfds
    from tensorflow_datasets.core import dataset_builder

    load_datasets = submission.function("data", "load_datasets")
    base = {"image_size": PROBE_IMAGE_SIZE, "batch_size": PROBE_BATCH_SIZE}
    if isinstance(load_datasets, Failure):
        return DataFacts(failure=load_datasets, **base)

    def as_dataset(self, split, **kwargs):
        indices = mock_indices(resolve(split, self.info.splits), self.info.splits)
        dataset = tf.data.Dataset.from_generator(lambda: _mock_examples(indices), output_signature={
            "image": tf.TensorSpec((None, None, 3), tf.uint8),
            "image/filename": tf.TensorSpec((), tf.string),
            "label": tf.TensorSpec((), tf.int64),
        })
        return dataset.apply(tf.data.experimental.assert_cardinality(len(indices)))

    requests = []

    def recording(mocked):
        def as_dataset_recorded(self, split=None, **kwargs):
            leaves = _leaves(split, self.info.splits)
            selects = []
            for leaf in leaves:
                try:
                    selects.append([list(r) for r in resolve(leaf, self.info.splits)])
                except Exception as error:  # tfds raises it again below, in the student's call
                    selects.append(str(error).splitlines()[0] if str(error) else type(error).__name__)
            requests.append({
                "name": str(self.name),
                "split": ([_spelling(leaf) for leaf in leaves] if split is None or isinstance(split, (list, tuple, dict))
                          else _spelling(split)),
                "as_supervised": bool(kwargs.get("as_supervised", False)),
                "selects": selects,
            })
            return mocked(self, split=split, **kwargs)
        return as_dataset_recorded

    data_dir = write_metadata(Path(scratch) / "tfds-metadata")
    with tfds.testing.mock_data(num_examples=MOCK_EXAMPLES, as_dataset_fn=as_dataset, data_dir=str(data_dir)):
        with mock.patch.object(dataset_builder.DatasetBuilder, "as_dataset",
                               recording(dataset_builder.DatasetBuilder.as_dataset)):
            returned, failure = submission.call(
                load_datasets, image_size=PROBE_IMAGE_SIZE, batch_size=PROBE_BATCH_SIZE)
        if failure:
            return DataFacts(failure=failure, requests=tuple(requests), **base)
        if not (isinstance(returned, (tuple, list)) and len(returned) == 2
                and all(isinstance(ds, tf.data.Dataset) for ds in returned)):
            return DataFacts(requests=tuple(requests), **base, failure=Failure(
                kind="returned", where="load_datasets()",
                summary=f"returned {type(returned).__name__}, not (train_ds, val_ds): two tf.data.Datasets"))
        facts, failure = submission.call(_read_datasets, submission, *returned)
    if failure:
        return DataFacts(failure=failure, requests=tuple(requests), **base)
    return DataFacts(requests=tuple(requests), **base, **facts)


def _read_datasets(submission, train_ds, val_ds) -> dict:
    train_batch = next(iter(train_ds))
    val_batch = next(iter(val_ds))
    images, labels = _pair(train_batch)
    val_images, _ = _pair(val_batch)
    images_np = np.asarray(images)
    orders = tuple(_order(train_ds) for _ in range(2))
    facts = {
        "train_images": (tuple(int(d) for d in images.shape), images.dtype.name),
        "val_images": (tuple(int(d) for d in val_images.shape), val_images.dtype.name),
        "train_labels": (tuple(int(d) for d in labels.shape), labels.dtype.name,
                         tuple(sorted({float(v) for v in np.asarray(labels).ravel()}))),
        "pixel_range": (round(float(images_np.min()), 6), round(float(images_np.max()), 6)),
        "pairs": not isinstance(train_batch, dict),
        # as tfds hands the training slice over: its examples in ascending order
        "source_order": tuple(sorted({i for i in orders[0] if i is not None})),
        "train_orders": orders,
    }
    evaluated, _logged, _format, failure = student_model(submission)  # evaluated once, at grading size
    if failure:  # the data items then take every form the assignment allows, and say why
        facts["model_problem"] = failure.explain().splitlines()[0]
    if not failure:
        facts["label_format"], _ = submission.call(labels_wanted, evaluated)
    if failure:
        facts["first_conv_problem"] = failure.explain()
    else:  # the model as graded, at a size it takes: the pipeline's images resized to it
        shape = grading_shape(submission)
        if tuple(images_np.shape[1:3]) != tuple(shape[:2]):
            import tensorflow as tf

            images_np = tf.image.resize(images_np, shape[:2]).numpy()
        seen, failure = submission.call(first_conv_range, evaluated, images_np)
        if failure:
            facts["first_conv_problem"] = failure.summary
        elif seen is None:
            facts["first_conv_problem"] = "the model has no Conv2D layer"
        else:
            facts["first_conv_range"] = (round(seen[0], 6), round(seen[1], 6))
    return facts


def _pair(batch):
    if isinstance(batch, dict):
        return batch.get("image"), batch.get("label")
    images, labels = batch[0], batch[1]
    return images, labels


def _order(dataset) -> tuple[int, ...]:
    """The example indices in the order one pass over the dataset yields them."""
    order = []
    for batch in dataset.take(MOCK_EXAMPLES):
        images, _ = _pair(batch)
        order.extend(_example_index(image) for image in np.asarray(images))
    return tuple(order)

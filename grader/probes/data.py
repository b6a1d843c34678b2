"""Probe load_datasets offline, under tfds.testing.mock_data, with images the grader can trace.

To the code that reads it, the mock is the real cats_vs_dogs: its metadata (one split,
'train', of 23,262 examples; see grader/cats_vs_dogs.json) is written where the mock looks
for it, so `info.splits['train'].num_examples` and `with_info=True` work as on the real
dataset, and a split it does not have ('test') raises as it does there. Its 'train' split
really holds 23,262 examples, in file order, made as they are read: tiny images of a few
sizes (the student's resize does the work) whose grey bands encode the example's index, in
a way that survives resizing and any normalization (see `_mock_images`). So a slice
selects exactly its examples, and so do take/skip, shard or a filter on the whole split.

The probe then judges by what happens: which examples the training and the validation
set yield (the first READ_BATCHES batches of each, on two passes), and how many each holds
(tf.data's cardinality, or a count). It also records every request that reaches
`DatasetBuilder.as_dataset`, whether it came through `tfds.load` or a builder of the
student's own, with the examples it selects.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from grader.facts import DataFacts, Failure
from grader.probes.model import first_conv_range, grading_shape, labels_wanted, student_model

# Not the assignment's defaults, so that a pipeline ignoring its arguments shows.
PROBE_IMAGE_SIZE = (64, 72)
PROBE_BATCH_SIZE = 6
REAL_DATASET = json.loads((Path(__file__).resolve().parent.parent / "cats_vs_dogs.json").read_text("utf-8"))
# How many batches of each dataset the probe reads, per pass (two passes of each): bounded, so that a
# pipeline over the whole split costs what its first batches cost (plus filling its shuffle buffer).
READ_BATCHES = 10
# Counting the examples of a dataset whose size tf.data does not know (a filter, say) stops after this long.
COUNT_SECONDS = 10.0
# The digits of an index, each a grey level of its own band: 255 ** 2 > 23,262 examples.
BASE = 255
# The mock images' sizes, (height, width), in turn: four bands of 4-6 rows each, so that any usual
# resize method (bilinear, bicubic, area, nearest) reads their middles unblurred.
MOCK_SIZES = ((16, 12), (20, 17), (24, 9))


def _mock_images(index, height: int, width: int):
    """The mock images of these examples, all of one size.

    Four horizontal bands, top to bottom: white, the index's high digit, its low digit, black. White
    and black pin down any affine scaling (x / 255, x / 127.5 - 1, standardization), so the digits are
    read back as ratios, whatever size the pipeline resized to; a flip upside down is read the other way.
    """
    index = np.asarray(index, dtype=np.int64)
    levels = np.stack([np.full_like(index, 255), index // BASE, index % BASE, np.zeros_like(index)], axis=1)
    rows = np.repeat(levels.astype(np.uint8), height // 4, axis=1)
    return np.broadcast_to(rows[:, :, None, None], (len(index), height, width, 3))


def mock_dataset(ranges):
    """The examples a split selects, as tfds's cats_vs_dogs gives them (feature dicts), in file order.

    Made from arrays (one per image size, taken in turn), with no map and no generator: tf.data reads
    and skips through them cheaply, so that a pipeline that loads the whole split and cuts it itself
    (take/skip) costs little more than one asking for slices, and so does a shuffle over the whole split.
    """
    import tensorflow as tf

    datasets = []
    for _name, start, stop in ranges:
        index = np.arange(start, max(start, stop), dtype=np.int64)
        sizes = [tf.data.Dataset.from_tensor_slices({
            "image": _mock_images(index[index % len(MOCK_SIZES) == k], height, width),
            "image/filename": np.char.add(index[index % len(MOCK_SIZES) == k].astype(str), ".jpg").astype(object),
            "label": index[index % len(MOCK_SIZES) == k] % 2,
        }) for k, (height, width) in enumerate(MOCK_SIZES)]
        chosen = tf.data.Dataset.choose_from_datasets(
            sizes, tf.data.Dataset.from_tensor_slices(index % len(MOCK_SIZES)), stop_on_empty_dataset=False)
        datasets.append(chosen.apply(tf.data.experimental.assert_cardinality(len(index))))
    dataset = datasets[0]
    for more in datasets[1:]:
        dataset = dataset.concatenate(more)
    return dataset


def _example_index(image) -> int | None:
    """The index encoded in a (resized, maybe normalized) mock image, or None when it does not hold one."""
    image = np.asarray(image, dtype="float64")
    if image.ndim != 3 or min(image.shape[:2]) < 4:
        return None
    height, width = image.shape[:2]
    bands = [image[int((k + 0.5) * height / 4), width // 2, 0] for k in range(4)]
    if bands[0] < bands[3]:
        bands.reverse()
    white, high, low, black = bands
    if not white - black > 0:
        return None
    digits = [(value - black) / (white - black) * 255 for value in (high, low)]
    if any(abs(d - round(d)) > 0.25 or not 0 <= round(d) < BASE for d in digits):
        return None
    index = int(round(digits[0])) * BASE + int(round(digits[1]))
    return index if index < sum(REAL_DATASET["splits"].values()) else None


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
        return mock_dataset(resolve(split, self.info.splits))

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
    with tfds.testing.mock_data(as_dataset_fn=as_dataset, data_dir=str(data_dir)):
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
    """What the two datasets hold, from a bounded read: the first READ_BATCHES batches of each, twice
    (two passes, as two epochs would start), and how many examples each holds."""
    _complete_caches(train_ds)
    train_passes = [_read(train_ds, "training") for _ in range(2)]
    val_passes = [_read(val_ds, "validation") for _ in range(2)]
    train_batch, val_batch = train_passes[0][0], val_passes[0][0]
    images, labels = _pair(train_batch)
    val_images, _ = _pair(val_batch)
    images_np = np.asarray(images)
    orders = tuple(order for _, order in train_passes)
    facts = {
        "train_images": (tuple(int(d) for d in images.shape), images.dtype.name),
        "val_images": (tuple(int(d) for d in val_images.shape), val_images.dtype.name),
        "train_labels": (tuple(int(d) for d in labels.shape), labels.dtype.name,
                         tuple(sorted({float(v) for v in np.asarray(labels).ravel()}))),
        "pixel_range": (round(float(images_np.min()), 6), round(float(images_np.max()), 6)),
        "pairs": not isinstance(train_batch, dict),
        # as tfds hands the training set's first examples over: in ascending order
        "source_order": tuple(sorted({i for i in orders[0] if i is not None})),
        "train_orders": orders,
        "val_orders": tuple(order for _, order in val_passes),
        "train_size": _size(train_ds, len(orders[0])),
        "val_size": _size(val_ds, len(val_passes[0][1])),
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


def _complete_caches(dataset) -> None:
    """One whole pass over a pipeline that caches, as a first epoch would make.

    A cache is written only by a pass that reaches the end; until then every pass reads the
    source again. Reading a few batches would then see a `shuffle().cache()` pipeline
    reshuffle, while in training every epoch after the first replays the first one's order.
    Pipelines without a cache (the reference's) cost nothing; the pass stops after
    COUNT_SECONDS, and a cache it could not complete is read as the grader found it.
    """
    import time

    seen, stack = set(), [dataset]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if "Cache" in type(node).__name__:
            break
        try:
            stack.extend(node._inputs())  # tf.data's own graph of datasets
        except Exception:
            pass
    else:
        return
    deadline = time.monotonic() + COUNT_SECONDS
    for _ in dataset:
        if time.monotonic() > deadline:
            return


def _read(dataset, which: str):
    """(the first batch, the example indices in the order the first READ_BATCHES batches yield them)."""
    first, order = None, []
    for batch in dataset.take(READ_BATCHES):
        first = batch if first is None else first
        images, _ = _pair(batch)
        order.extend(_example_index(image) for image in np.asarray(images))
    if first is None:
        raise ValueError(f"the {which} set is empty: it gave no batch")
    return first, tuple(order)


def _size(dataset, read: int) -> int | None:
    """How many examples the dataset holds (to a batch), or None: endless, or too slow to count.

    tf.data knows the number of batches of most pipelines (slices, take, skip, shard, map, shuffle,
    batch); one it does not know (a filter) is counted, for COUNT_SECONDS at most.
    """
    import time

    import tensorflow as tf

    batches = int(dataset.cardinality())
    if batches == tf.data.INFINITE_CARDINALITY:
        return None
    if batches >= 0:
        return batches * read // max(1, min(READ_BATCHES, batches)) if read else 0
    deadline, count = time.monotonic() + COUNT_SECONDS, 0
    for batch in dataset:
        images, _ = _pair(batch)
        count += int(np.shape(images)[0])
        if time.monotonic() > deadline:
            return None
    return count

"""Probe load_datasets offline, under tfds.testing.mock_data, with images the grader can trace.

The mock images are piecewise constant: the top half white, the bottom half a grey
level that encodes the example's index. The ratio of the two survives resizing and
any normalization, so the probe can tell in which order examples come out of the
student's pipeline (is the training set shuffled?) and what range their pixels have.
"""
from __future__ import annotations

import numpy as np

from grader.facts import DataFacts, Failure
from grader.probes.model import first_conv_range, labels_wanted, student_model

MOCK_EXAMPLES = 60
# Not the assignment's defaults, so that a pipeline ignoring its arguments shows.
PROBE_IMAGE_SIZE = (64, 72)
PROBE_BATCH_SIZE = 6


def _mock_examples():
    for index in range(MOCK_EXAMPLES):
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


def probe_data(submission, scratch) -> DataFacts:
    import tensorflow as tf
    import tensorflow_datasets as tfds

    load_datasets = submission.function("data", "load_datasets")
    base = {"image_size": PROBE_IMAGE_SIZE, "batch_size": PROBE_BATCH_SIZE}
    if isinstance(load_datasets, Failure):
        return DataFacts(failure=load_datasets, **base)

    def as_dataset(self, split, **kwargs):
        return tf.data.Dataset.from_generator(_mock_examples, output_signature={
            "image": tf.TensorSpec((None, None, 3), tf.uint8),
            "image/filename": tf.TensorSpec((), tf.string),
            "label": tf.TensorSpec((), tf.int64),
        })

    requests = []
    real_load = tfds.load

    def recording_load(name, *args, **kwargs):
        split = kwargs.get("split", args[0] if args else None)
        requests.append({
            "name": str(name),
            "split": [str(s) for s in split] if isinstance(split, (list, tuple)) else str(split),
            "as_supervised": bool(kwargs.get("as_supervised", False)),
        })
        return real_load(name, *args, **kwargs)

    with tfds.testing.mock_data(num_examples=MOCK_EXAMPLES, as_dataset_fn=as_dataset):
        tfds.load = recording_load
        try:
            returned, failure = submission.call(
                load_datasets, image_size=PROBE_IMAGE_SIZE, batch_size=PROBE_BATCH_SIZE)
        finally:
            tfds.load = real_load
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
        "source_order": tuple(range(min(MOCK_EXAMPLES, len(orders[0])))),
        "train_orders": orders,
    }
    evaluated, _logged, _format, failure = student_model(submission)  # evaluated once, at grading size
    if not failure:
        facts["label_format"], _ = submission.call(labels_wanted, evaluated)
    if not failure:
        model, failure = submission.call(submission.function("model", "build_model"),
                                         input_shape=(*PROBE_IMAGE_SIZE, 3))
    if failure:
        facts["first_conv_problem"] = failure.explain()
    else:
        seen, failure = submission.call(first_conv_range, model, images_np)
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

"""Verdicts on load_datasets (rubric area "data"), from a run under tfds.testing.mock_data."""
from __future__ import annotations

import re

from grader.facts import DataFacts
from grader.grade import Judgement
from grader.verdicts import could_not_run, verdict

SLICE = re.compile(r"^\s*(\w+)\s*(?:\[\s*(-?\d*)\s*(%?)\s*:\s*(-?\d*)\s*(%?)\s*\])?\s*$")


def split_slices(requests) -> list[tuple]:
    """Every requested split as (split name, start, end, unit) — "train[:80%]" is ("train", 0, 80, "%")."""
    slices = []
    for request in requests:
        splits = request["split"] if isinstance(request["split"], list) else [request["split"]]
        for split in splits:
            match = SLICE.match(str(split))
            if not match:
                slices.append((str(split), None, None, "?"))
                continue
            name, start, start_unit, end, end_unit = match.groups()
            percent = "%" if (start_unit or end_unit or (not start and not end)) else ""
            slices.append((name, int(start) if start else 0, int(end) if end else 100 if percent else None,
                           percent))
    return slices



@verdict("data.request")
def verdict_request(student: DataFacts, reference: DataFacts) -> Judgement:
    wanted = [r for r in reference.requests]
    expected = ("tfds.load(" + ", ".join(sorted({repr(r["name"]) for r in wanted})) + ", as_supervised=True) "
                "with the slices " + ", ".join(f"{n}[{a}{u}:{b}{u}]" for n, a, b, u in split_slices(wanted)))
    if not student.requests:
        if student.failure:
            return could_not_run(student.failure, expected)
        return Judgement(False, expected, "tensorflow_datasets.load was never called")
    names = sorted({r["name"] for r in student.requests})
    supervised = all(r["as_supervised"] for r in student.requests)
    found = (f"tfds.load({', '.join(map(repr, names))}, as_supervised={supervised}) with the split(s) "
             + ", ".join(str(r["split"]) for r in student.requests))
    same = (names == sorted({r["name"] for r in wanted}) and supervised
            and sorted(split_slices(student.requests)) == sorted(split_slices(wanted)))
    return Judgement(same, expected, found,
                     hint="Ask for two slices of the one 'train' split, e.g. split=['train[:80%]', "
                          "'train[80%:]']: disjoint, so no image is both trained on and validated on.")


@verdict("data.batches")
def verdict_batches(student: DataFacts, reference: DataFacts) -> Judgement:
    shape = (student.batch_size, *student.image_size, 3)
    expected = (f"called with image_size={student.image_size}, batch_size={student.batch_size}: "
                f"batches of images {shape}, float32, in both datasets")
    if student.failure:
        return could_not_run(student.failure, expected)
    found = f"training batches {student.train_images}, validation batches {student.val_images}"
    ok = all(images and tuple(images[0]) == shape and images[1] == "float32"
             for images in (student.train_images, student.val_images))
    return Judgement(ok, expected, found,
                     hint="Resize with tf.image.resize(image, image_size), cast to float32, and batch with "
                          "batch_size: use the arguments, not fixed numbers.")


@verdict("data.labels")
def verdict_labels(student: DataFacts, reference: DataFacts) -> Judgement:
    wanted = student.label_format
    expected = {"onehot": "labels one-hot, shape (batch, 2), as your categorical cross-entropy needs",
                None: "labels 0 (cat) and 1 (dog), one per image, or one-hot of shape (batch, 2)"}.get(
        wanted, "labels 0 (cat) and 1 (dog), one per image, as your loss needs")
    if student.failure:
        return could_not_run(student.failure, expected)
    shape, dtype, values = student.train_labels
    found = f"labels of shape {tuple(shape)}, {dtype}, values {list(values)}"
    batch = student.batch_size
    onehot = tuple(shape) == (batch, 2) and set(values) <= {0.0, 1.0}
    integers = tuple(shape) in ((batch,), (batch, 1)) and set(values) <= {0.0, 1.0}
    if wanted is None:  # the model does not say which form (it does not build, or its loss does not fit it)
        return Judgement(onehot or integers, expected,
                         found + " (your model does not say which form it needs, so either is right here)")
    return Judgement(onehot if wanted == "onehot" else integers, expected, found,
                     hint="With as_supervised=True tfds gives (image, label) with label 0 or 1; keep it so for "
                          "binary or sparse categorical cross-entropy, one-hot it (tf.one_hot) for categorical.")


@verdict("data.value_range")
def verdict_value_range(student: DataFacts, reference: DataFacts) -> Judgement:
    expected = "pixel values in [0, 1] where they reach the first Conv2D: scaled once, in the pipeline or the model"
    if student.failure:
        return could_not_run(student.failure, expected)
    low, high = student.pixel_range
    where = "your pipeline gives pixels in [{:.3g}, {:.3g}]".format(low, high)
    if student.first_conv_range is None:
        ok = -0.01 <= low and 0.5 <= high <= 1.01
        return Judgement(ok, expected, f"{where}; the model could not be checked ({student.first_conv_problem})")
    conv_low, conv_high = student.first_conv_range
    scaled_in_model = high > 0 and conv_high < high * 0.5
    found = f"{where}; the first Conv2D sees [{conv_low:.3g}, {conv_high:.3g}]"
    if -0.01 <= conv_low and 0.5 <= conv_high <= 1.01:
        return Judgement(True, expected, found + (" (scaled by the model)" if scaled_in_model else ""))
    if conv_high < 0.5 and high <= 1.01:
        return Judgement(False, expected, found + ": scaled twice, in the pipeline and again in the model",
                         hint="Divide by 255 once: in the pipeline or with a Rescaling(1/255) layer, not both.")
    if conv_high > 1.01:
        return Judgement(False, expected, found + ": never scaled from 0-255 to 0-1",
                         hint="Divide by 255: image / 255.0 in the pipeline, or a Rescaling(1/255) layer first "
                              "in the model.")
    return Judgement(False, expected, found)


@verdict("data.shuffled")
def verdict_shuffled(student: DataFacts, reference: DataFacts) -> Judgement:
    expected = "the training set comes in a shuffled order"
    if student.failure:
        return could_not_run(student.failure, expected)
    first, second = (list(order) for order in student.train_orders)
    source = list(student.source_order)[: len(first)]
    shuffled = first != source or first != second
    shown = ", ".join(str(i) for i in first[:12])
    return Judgement(shuffled, expected, f"examples in the order {shown}, … on every pass",
                     hint="Call .shuffle(buffer_size) on the training set before .batch(...).")

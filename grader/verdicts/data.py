"""Verdicts on load_datasets (rubric area "data"), from a run under tfds.testing.mock_data."""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

from grader.facts import DataFacts
from grader.grade import Judgement
from grader.verdicts import could_not_run, verdict

# The real dataset's split sizes (grader/cats_vs_dogs.json): slices are judged by the examples they select there.
SPLIT_SIZES = json.loads((Path(__file__).resolve().parent.parent / "cats_vs_dogs.json").read_text("utf-8"))["splits"]
# Two slices are the same when each end differs by at most this share of the split (23 of 23,262 examples):
# int(0.8 * n), round(0.8 * n) and tfds's own rounding of 80 % all land within it; 79 % is 232 examples away.
TOLERANCE = 0.001
SLICE = re.compile(r"^\s*(\w+)\s*(?:\[\s*(-?\d*)\s*(%?)\s*:\s*(-?\d*)\s*(%?)\s*\])?\s*$")


def split_slices(requests) -> list[tuple]:
    """Every requested split as spelled: (split name, start, end, unit) — "train[:80%]" is ("train", 0, 80, "%")."""
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


def resolve_spelling(split: str) -> list[tuple[str, int, int]] | str:
    """What a split string selects of the real dataset (tfds's rounding of percents), for facts recorded
    before the probe resolved the splits itself."""
    [(name, start, end, unit)] = split_slices([{"split": split}])
    if unit == "?" or name not in SPLIT_SIZES:
        return f"tfds cannot read the split {split!r}"
    size = SPLIT_SIZES[name]

    def bound(value):
        if value is None:
            return size
        if unit == "%":
            value = int(round(value * size / 100))
        return max(0, min(size, value + size if value < 0 else value))

    return [(name, bound(start), bound(end))]


def requested_datasets(requests) -> list[tuple[str, list[tuple[str, int, int]] | str]]:
    """Every requested split as (its spelling, the examples it selects, or why tfds cannot read it)."""
    datasets = []
    for request in requests:
        spellings = request["split"] if isinstance(request["split"], list) else [request["split"]]
        selects = request.get("selects") or [resolve_spelling(s) for s in spellings]
        for spelling, ranges in zip(spellings, selects):
            datasets.append((str(spelling), ranges if isinstance(ranges, str)
                             else [(str(n), int(a), int(b)) for n, a, b in ranges]))
    return datasets


def _same_examples(mine, theirs) -> bool:
    return len(mine) == len(theirs) and all(
        n == m and abs(a - c) <= math.ceil(TOLERANCE * SPLIT_SIZES.get(n, 0)) and
        abs(b - d) <= math.ceil(TOLERANCE * SPLIT_SIZES.get(n, 0))
        for (n, a, b), (m, c, d) in zip(mine, theirs))


def _examples(ranges) -> str:
    return " + ".join(f"{n} examples {a:,}-{b - 1:,}" if b > a else f"{n}: no examples" for n, a, b in ranges)


def _overlap(datasets) -> int:
    """How many examples two requested datasets share, at most."""
    shared = 0
    for i, (_, first) in enumerate(datasets):
        for _, second in datasets[i + 1:]:
            for n, a, b in first:
                for m, c, d in second:
                    if n == m:
                        shared = max(shared, min(b, d) - max(a, c))
    return shared


def _seen(orders) -> set[int]:
    return {i for order in orders or () for i in order if i is not None}


def _inside(index: int, ranges, slack: int = 0) -> bool:
    return any(a - slack <= index < b + slack for _n, a, b in ranges)


def _held(wanted, orders, default: int):
    """The reference's requested slice that holds the examples one of its datasets yields (its first or
    second slice when the facts do not say: a profile written before the probe read them)."""
    seen = _seen(orders)
    for _spelling, ranges in wanted:
        if seen and not isinstance(ranges, str) and all(_inside(i, ranges) for i in seen):
            return ranges
    return wanted[default][1] if len(wanted) > default and not isinstance(wanted[default][1], str) else None


def _some(indices, most: int = 4) -> str:
    shown = ", ".join(f"{i:,}" for i in indices[:most])
    return shown + (", …" if len(indices) > most else "")


def _batch(facts: DataFacts) -> int:
    return max([int(images[0][0]) for images in (facts.train_images, facts.val_images) if images and images[0]]
               or [facts.batch_size])


def _what_happens(student: DataFacts, reference: DataFacts, wanted) -> tuple[list[str], bool]:
    """What the datasets yield that the reference's would not, and whether their sizes are known."""
    slack = math.ceil(TOLERANCE * sum(SPLIT_SIZES.values()))
    train, val = _seen(student.train_orders), _seen(student.val_orders)
    ref_train, ref_val = _held(wanted, reference.train_orders, 0), _held(wanted, reference.val_orders, 1)
    problems = []
    both = sorted(train & val)
    if both:
        problems.append(f"examples {_some(both)} are in both your training and your validation set")
    strays = {}
    for which, seen, ranges in (("training", train, ref_train), ("validation", val, ref_val)):
        if ranges is None:
            continue
        strays[which] = sorted(i for i in seen if not _inside(i, ranges, slack))
        if strays[which]:
            problems.append(f"your {which} set yields examples from outside {_examples(ranges)} "
                            f"({_some(strays[which])})")
    if (strays.get("training") and strays.get("validation") and ref_train and ref_val
            and all(_inside(i, ref_val, slack) for i in strays["training"])
            and all(_inside(i, ref_train, slack) for i in strays["validation"])):
        problems.append("training and validation are swapped")
    elif strays.get("validation") and len(student.val_orders) == 2 and \
            set(student.val_orders[0]) != set(student.val_orders[1]):
        problems.append("and a different set of examples on each pass: cut after a shuffle that reshuffles "
                        "every pass, so that over the epochs every image is trained and validated on")
    sizes = (student.train_size, student.val_size, reference.train_size, reference.val_size)
    known = None not in sizes
    if known:
        margin = slack + _batch(student) + _batch(reference)
        for which, mine, theirs in (("training", sizes[0], sizes[2]), ("validation", sizes[1], sizes[3])):
            if abs(mine - theirs) > margin:
                problems.append(f"your {which} set holds about {mine:,} examples, not about {theirs:,}")
    return problems, known


@verdict("data.request")
def verdict_request(student: DataFacts, reference: DataFacts) -> Judgement:
    """cats_vs_dogs as (image, label) pairs, the training set from the reference's training slice and
    the validation set from its validation slice, no example in both: judged by what the datasets hold.

    Each requested split is resolved against the real dataset (23,262 'train' examples) into the
    examples it selects: 'train[80%:]', 'train[-20%:]', 'train[80%:100%]', 'train[18610:]' and
    ReadInstruction('train', from_=80, unit='%') are one slice. Each end may differ from the
    reference's by 0.1 % of the split (23 examples), so that int(0.8 * n) computed by hand from
    info.splits passes. Requests through tfds.load and builder.as_dataset count alike, one call
    or several. as_supervised=False passes when the datasets returned are (image, label) pairs:
    the student's own map made the same data from the feature dicts.

    What the datasets hold is read, not only what was asked for, since real code often loads the
    whole split and cuts it itself (take/skip, shard): the mock's examples encode their index, and
    the evidence is bounded. The first READ_BATCHES batches of each dataset, on two passes: every
    example they yield must lie in the reference's slice for that dataset (give or take 0.1 %), and
    none in both datasets; and the number of examples each holds (tf.data's cardinality, or a count
    of at most a few seconds; to a batch) must match the reference's, give or take 0.1 % and a batch.
    Slices that select the reference's examples pass on the first part alone (the sizes are then
    those of the slices); a split cut any other way needs both datasets' sizes too. This catches
    swapped slices, a cut made after a shuffle that reshuffles every pass (the validation set's first
    examples then come from the training part), and wrong proportions; it cannot see examples
    beyond the batches read, so a random (if fixed) shuffle before the cut fails: the assignment
    asks for the first 80 % and the last 20 %.
    """
    wanted = requested_datasets(reference.requests)
    names = sorted({r["name"] for r in reference.requests})
    ref_train, ref_val = _held(wanted, reference.train_orders, 0), _held(wanted, reference.val_orders, 1)
    roles = {id(ranges): role for ranges, role in ((ref_train, "for training"), (ref_val, "for validation"))}
    expected = (f"{', '.join(map(repr, names))} as (image, label) pairs, in the slices "
                + " and ".join(f"{spelling} ({_examples(ranges)}{', ' + roles[id(ranges)] if id(ranges) in roles else ''})"
                               for spelling, ranges in wanted)
                + f", no example in both (or any spelling that selects the same examples, give or take "
                  f"{TOLERANCE:.1%} of the split, or the same sets cut from the whole split with take/skip)")
    if not student.requests:
        if student.failure:
            return could_not_run(student.failure, expected)
        return Judgement(False, expected, "tensorflow_datasets was never asked for a dataset")
    hint = ("Ask for two slices of the one 'train' split, e.g. split=['train[:80%]', 'train[80%:]']: "
            "disjoint, so no image is both trained on and validated on; the first for training.")
    mine = requested_datasets(student.requests)
    asked = sorted({r["name"] for r in student.requests})
    supervised = all(r["as_supervised"] for r in student.requests)
    found = (f"you asked tfds for {', '.join(map(repr, asked))} (as_supervised={supervised}) with the split(s) "
             + ", ".join(repr(spelling) for spelling, _ in mine))
    unreadable = [f"{spelling!r}: {ranges}" for spelling, ranges in mine if isinstance(ranges, str)]
    if unreadable:
        return Judgement(False, expected, found + "; tfds cannot read " + "; ".join(unreadable), hint=hint)
    found += ", which select " + " and ".join(_examples(ranges) for _, ranges in mine)
    if asked != names:
        return Judgement(False, expected, found, hint=hint)
    if not supervised:
        if student.pairs:
            found += " (as_supervised=False, but your datasets give (image, label) pairs: the same data)"
        elif student.failure and student.pairs is None:
            found += (" (as_supervised=False: load_datasets did not get as far as showing whether your own map "
                      "makes (image, label) pairs, so this is not held against the request)")
        else:
            return Judgement(False, expected, found + "; without as_supervised=True tfds gives feature dicts",
                             hint="Pass as_supervised=True to get (image, label) pairs.")
    wanted_ranges = sorted((r for _, r in wanted if not isinstance(r, str)), key=lambda r: r[:1])
    same = len(mine) == len(wanted_ranges) and all(
        _same_examples(a, b) for a, b in zip(sorted((r for _, r in mine), key=lambda r: r[:1]), wanted_ranges))
    problems, known = _what_happens(student, reference, wanted) if not student.failure else ([], False)
    seen = bool(_seen(student.train_orders) and _seen(student.val_orders))
    if not problems and (same or (known and seen)):
        if not same:
            found += (f": your training set holds about {student.train_size:,} examples and your validation set "
                      f"about {student.val_size:,}, each from its own part of the split")
        return Judgement(True, expected, found)
    if not same and len(mine) > 1 and _overlap(mine) > 0:
        problems.insert(0, f"{_overlap(mine):,} examples are in two slices")
    elif not problems and seen:
        problems.append("how many examples your datasets hold could not be told, so the slices asked for are judged")
    return Judgement(False, expected, found + (": " + "; ".join(problems) if problems else ""), hint=hint)


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
    """The label form the model's loss takes; either form when the model does not say (it could not be
    built or used, or its output and loss do not fit together: the model's items judge that)."""
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
    if wanted is None:
        why = (f"your model could not be built ({student.model_problem}), so it cannot say which form it needs"
               if student.model_problem else "your model's output and loss do not say which form they need")
        return Judgement(onehot or integers, expected, f"{found} ({why}: either form is right here)")
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
        # What the first Conv2D sees is unknown: the pipeline may scale (to [0, 1]), or leave 0-255 to a
        # Rescaling layer in the model. Any other range is wrong whatever the model does.
        why = (f"your model could not be built ({student.model_problem})" if student.model_problem
               else f"the model could not be checked ({student.first_conv_problem})")
        unit, raw = 0.5 <= high <= 1.01, 127.5 <= high <= 255 * 1.01
        ok = -0.01 <= low and (unit or raw)
        return Judgement(ok, expected, f"{where}; {why}, so [0, 1] from the pipeline or 0-255 for a model that "
                                       "rescales would both be right here",
                         hint=None if ok else "Divide by 255 once, from 0-255 to 0-1: no other scaling.")
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
    source = list(student.source_order)  # the training slice's examples, in tfds's order
    shuffled = first[: len(source)] != source or first != second
    shown = ", ".join(str(i) for i in first[:12])
    return Judgement(shuffled, expected, f"examples in the order {shown}, … on every pass",
                     hint="Call .shuffle(buffer_size) on the training set before .batch(...).")

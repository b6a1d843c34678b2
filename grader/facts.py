"""Facts: what the probes saw student code do, as plain data.

Facts are small frozen dataclasses that round-trip through JSON, so that later
they can cross the sandbox boundary and be stored in a profile. They record
what happened and never decide a grade; that is the verdicts' job.
"""
from __future__ import annotations

import dataclasses
import json
import types
import typing
from dataclasses import dataclass

from grader.synthetic import ExploreQuestions


@dataclass(frozen=True)
class Failure:
    """Student code that could not run: why, in one line, and where, in their own frames."""

    # "not_implemented" | "import_error" | "raised" | "exited" | "missing" | "returned" | "crashed"
    # | "timeout" | "out_of_memory" | "killed" | "tampered" (the last three: batch mode only)
    kind: str
    summary: str  # e.g. "ValueError: ReduceLROnPlateau does not support a factor >= 1.0."
    traceback: str = ""  # only frames in the student's files, paths relative to the submission
    where: str = ""  # "make_callbacks()", "callbacks.py", ...

    @property
    def not_implemented(self) -> bool:
        return self.kind == "not_implemented"

    def explain(self) -> str:
        """The sentence a student reads first."""
        if self.kind == "not_implemented":
            return f"{self.where} is not implemented yet (it still raises NotImplementedError)."
        if self.kind == "missing":
            return f"{self.where} was not found: {self.summary}"
        if self.kind == "import_error":
            return f"{self.where} could not be imported: {self.summary}"
        if self.kind == "returned":
            return f"{self.where} {self.summary}"
        if self.kind == "timeout":
            return f"{self.where} {self.summary}: is there an endless loop, or a very large model?"
        if self.kind == "out_of_memory":
            return f"{self.where} {self.summary}: is the model or a dataset far too large?"
        if self.kind == "killed":
            return f"{self.where} stopped: {self.summary}"
        if self.kind == "tampered":
            return f"{self.where} {self.summary}"
        if self.kind == "inconsistent":
            return f"{self.where}: {self.summary}"
        if self.kind == "crashed":
            return (f"the grader could not examine {self.where}: {self.summary}. Something in your code "
                    "surprised it; if you cannot see what, ask your instructor.")
        if self.kind == "exited":
            if self.summary.startswith("os._exit"):
                return f"{self.where} called {self.summary}; graded code must return, not exit."
            return f"{self.where} called sys.exit() ({self.summary}); graded code must return, not exit."
        return f"{self.where} raised {self.summary}"


@dataclass(frozen=True)
class CallbackFacts:
    """One callback object returned by make_callbacks, read from its attributes."""

    kind: str | None  # "ModelCheckpoint" | "EarlyStopping" | "ReduceLROnPlateau" | None (other)
    class_name: str
    monitor: str | None = None
    mode: str | None = None
    # The direction Keras itself resolves ("min"/"max") once the callback is attached to a
    # model compiled as the assignment asks (loss + "accuracy"); None when Keras cannot tell.
    direction: str | None = None
    direction_problem: str | None = None
    # Settings as the object holds them (JSON scalars; anything else as its repr), so that
    # patience="5" or patience=5.5 is not mistaken for patience=5.
    patience: int | float | str | None = None
    factor: float | str | None = None
    min_delta: float | str | None = None
    save_best_only: bool | None = None
    save_weights_only: bool | None = None
    filepath: str | None = None
    restore_best_weights: bool | None = None
    # The constructor arguments, read back from the object: enough to rebuild the
    # reference's callbacks where the reference itself is not at hand.
    config: dict | None = None
    # For a subclass (or an object with its own epoch hooks): how it acts unlike a plain
    # Keras callback with the settings it states, on one of a few fixed histories; None
    # when it acts the same (or is the plain Keras class, which cannot act otherwise).
    acts_unlike_stated: str | None = None


@dataclass(frozen=True)
class CallbacksFacts:
    """What make_callbacks returned, called once with a grader path and once with its default."""

    given_checkpoint_path: str
    failure: Failure | None = None
    returned_type: str | None = None
    callbacks: tuple[CallbackFacts, ...] = ()
    default_checkpoint_path: str | None = None
    default_failure: Failure | None = None
    # Metric names the student's compiled model logs during fit ("loss", "val_accuracy", ...).
    model_logs: tuple[str, ...] | None = None
    model_failure: Failure | None = None

    def of_kind(self, kind: str) -> list[CallbackFacts]:
        return [cb for cb in self.callbacks if cb.kind == kind]


@dataclass(frozen=True)
class EpochRecord:
    """One epoch of a training run or a replay, as the callbacks saw it (epochs count from 1)."""

    epoch: int
    val_loss: float | None
    val_accuracy: float | None
    learning_rate: float | None  # used during this epoch
    learning_rate_after: float | None  # after the callbacks acted at the epoch's end
    checkpoint_saved: bool = False


@dataclass(frozen=True)
class Timeline:
    """What the callbacks did, epoch by epoch: LR drops, checkpoint saves, where training stopped."""

    epochs: tuple[EpochRecord, ...]
    epochs_requested: int

    @property
    def last_epoch(self) -> int:
        return self.epochs[-1].epoch if self.epochs else 0

    @property
    def stopped_early(self) -> bool:
        return self.last_epoch < self.epochs_requested

    def lr_drops(self, until: int | None = None) -> tuple[int, ...]:
        return tuple(
            e.epoch for e in self.epochs
            if (until is None or e.epoch <= until)
            and None not in (e.learning_rate, e.learning_rate_after)
            and e.learning_rate_after < e.learning_rate
        )

    def lr_undone(self, until: int | None = None) -> tuple[int, ...]:
        """Epochs that began at a higher learning rate than the one before ended at, after a drop:
        something in the list (a LearningRateScheduler, say) set it back up, undoing the drop.
        A warm-up that rises before the first drop is not one."""
        undone, dropped = [], False
        for before, record in zip(self.epochs, self.epochs[1:]):
            dropped = dropped or before.epoch in self.lr_drops()
            if (until is None or record.epoch <= until) and dropped \
                    and None not in (before.learning_rate_after, record.learning_rate) \
                    and record.learning_rate > before.learning_rate_after * (1 + 1e-6):
                undone.append(record.epoch)
        return tuple(undone)

    def saves(self, until: int | None = None) -> tuple[int, ...]:
        return tuple(e.epoch for e in self.epochs if e.checkpoint_saved and (until is None or e.epoch <= until))

    def events_of(self, kind: str):
        """The events one kind of callback is responsible for: saves, the stop, or LR drops."""
        if kind == "ModelCheckpoint":
            return self.saves()
        if kind == "EarlyStopping":
            return self.last_epoch if self.stopped_early else None
        return self.lr_drops()


@dataclass(frozen=True)
class BehaviourFacts:
    """The student's callbacks in real training runs (rubric area "behaviour").

    `scripted`: a real fit whose val_loss/val_accuracy a grader callback scripts (a plateau);
    `natural`: a real fit on labels that cannot be learned. For the reference, `scripted`
    is the replay of its callbacks on the same script, and the rest stays empty.
    """

    failure: Failure | None = None  # make_callbacks unusable: nothing could run
    stand_in_model: bool = False  # the student's build_model was unusable; a grader model trained
    model_problem: str | None = None
    image_shape: tuple[int, ...] | None = None  # the size the runs' images had (the model's grading size)
    # A run that failed with the callbacks beyond the three in the list, and passed without them:
    # their class names and the error ("TensorBoard: ImportError: ...")
    extras_problem: str | None = None
    # One of the three whose presence made a run fail: the runs left it out, and its items take the
    # failure (the error of the run with it) while the other two are judged on those runs
    broken_callback: str | None = None
    broken_callback_failure: Failure | None = None
    scripted: Timeline | None = None
    scripted_failure: Failure | None = None
    checkpoint_exists: bool | None = None
    checkpoint_problem: str | None = None  # why it would not load with keras.models.load_model
    checkpoint_holds_epochs: tuple[int, ...] = ()  # epochs whose weights the file holds (identical weights: several)
    checkpoint_saved_elsewhere: tuple[str, ...] = ()  # paths saved to other than the one given
    natural: Timeline | None = None
    natural_failure: Failure | None = None
    asked: str | None = None  # the digest of the questions answered (grader.questions): an echo


@dataclass(frozen=True)
class PropertyCheck:
    """One callback replayed beside the reference's on generated validation histories."""

    kind: str
    examples: int = 0
    failure: Failure | None = None
    # The smallest history found on which the two disagree (None: they always agreed).
    val_loss: tuple[float, ...] | None = None
    val_accuracy: tuple[float, ...] | None = None
    student: Timeline | None = None
    reference: Timeline | None = None


@dataclass(frozen=True)
class ListAnswers:
    """One callback kind replayed alone on each history of the grading's list (grader.questions).

    `events`: Timeline.events_of(kind) as JSON, per history, in the list's order; None where
    the callback raised (`failure` says how, once)."""

    kind: str
    events: tuple[str | None, ...] = ()
    failure: str | None = None


@dataclass(frozen=True)
class PropertyFacts:
    checks: tuple[PropertyCheck, ...] = ()
    failure: Failure | None = None
    answers: tuple[ListAnswers, ...] = ()  # on the grading's list of histories, judged outside
    asked: str | None = None

    def answers_of(self, kind: str) -> ListAnswers | None:
        return next((a for a in self.answers if a.kind == kind), None)

    def check(self, kind: str) -> PropertyCheck | None:
        return next((c for c in self.checks if c.kind == kind), None)


@dataclass(frozen=True)
class ReferenceEvents:
    """What one reference callback did on one generated history: the events its kind is about."""

    kind: str
    val_loss: tuple[float, ...]
    val_accuracy: tuple[float, ...]
    events: str  # Timeline.events_of(kind), as JSON


@dataclass(frozen=True)
class PropertyReference:
    """The reference's callbacks replayed on every history the property search tries with them.

    A submission that agrees with the reference meets the same histories (the search is
    derandomized), so these answers spare a fresh process about 180 replays; histories not
    here (shrinking towards a disagreement) are replayed live.
    """

    replays: tuple[ReferenceEvents, ...] = ()
    # The reference's events on the grading's list of histories (made outside, per grading).
    answers: tuple[ListAnswers, ...] = ()
    histories: tuple[tuple[tuple[float, ...], tuple[float, ...]], ...] = ()  # the list they answer


@dataclass(frozen=True)
class ModelFacts:
    """The student's build_model: its layers, input, output, compile settings, and what it learns."""

    failure: Failure | None = None
    layer_counts: dict | None = None  # class name -> how many, nested models included
    nested_models: tuple[str, ...] = ()  # names of whole models used as layers (pretrained bases)
    source_uses_applications: bool = False  # model.py mentions keras.applications
    requested_shapes: tuple[tuple[int, ...], ...] = ()
    declared_shapes: tuple[tuple | None, ...] = ()  # the model's own input shape, per request
    input_problems: tuple[str | None, ...] = ()  # why it would not run at that size, per request
    output_units: int | None = None
    output_activation: str | None = None  # "sigmoid", "softmax", "linear", ...
    loss: str | None = None  # "binary_crossentropy", "categorical_crossentropy", ...
    from_logits: bool | None = None
    logged: tuple[str, ...] | None = None  # what fit logs ("accuracy", "loss", "val_accuracy", ...)
    params: int | None = None
    input_scale: float | None = None  # 255.0 when the model rescales [0, 255] pixels itself
    learned_accuracy: float | None = None  # best held-out accuracy on the easy synthetic task
    learning_problem: str | None = None
    learning_curve: tuple[float, ...] = ()  # held-out accuracy after each round of training
    learning_steps: int | None = None  # optimizer steps in one round
    # Why the model was not graded at the grader's smallest size (64x64): what it said there
    # (None when it takes 64x64; requested_shapes[0] is the size it was graded at)
    smaller_size_problem: str | None = None
    accuracy_threshold: float | None = None  # where the compiled binary accuracy splits the outputs
    # The model's classes for the grading's held-out images (labels never given to it), one string
    # of 0 and 1 per round; judged outside. The reference's facts hold the labels instead.
    held_out_answers: tuple[str, ...] = ()
    held_out_labels: str | None = None
    asked: str | None = None


@dataclass(frozen=True)
class DataFacts:
    """load_datasets under tfds.testing.mock_data: what it asked tfds for and what it returned."""

    failure: Failure | None = None
    # each request that reached DatasetBuilder.as_dataset (tfds.load's or a builder's): name, split (as
    # spelled), as_supervised, selects (per split: [[split name, from, to], ...] of the real dataset, or
    # tfds's error for a split it cannot read)
    requests: tuple[dict, ...] = ()
    image_size: tuple[int, int] = (0, 0)  # what the grader asked for
    batch_size: int = 0
    train_images: tuple | None = None  # (shape, dtype) of the first batch's images
    val_images: tuple | None = None
    train_labels: tuple | None = None  # (shape, dtype, sorted distinct values)
    pixel_range: tuple[float, float] | None = None  # min, max of the pipeline's images
    first_conv_range: tuple[float, float] | None = None  # min, max reaching the model's first Conv2D
    first_conv_problem: str | None = None
    # the labels the student's model asks for: "onehot", "sparse" or "binary"; None when it does not
    # build, or its output and loss do not fit together (then any form the assignment allows is right)
    label_format: str | None = None
    model_problem: str | None = None  # why the student's model could not be built or used, in one line
    pairs: bool | None = None  # the training batches are (images, labels) pairs, not feature dicts
    # the examples (their index in the 'train' split) the first batches of two passes over the training
    # set yield, in that order (None: an image that holds no index); source_order: the first pass's, sorted
    source_order: tuple[int, ...] = ()
    train_orders: tuple[tuple[int | None, ...], ...] = ()
    val_orders: tuple[tuple[int | None, ...], ...] = ()  # the same for the validation set
    # how many examples each set holds, to a batch (None: endless, or too slow to count)
    train_size: int | None = None
    val_size: int | None = None


@dataclass(frozen=True)
class TrainFacts:
    """train() with a recording model, and summarize() on a fixed corpus of generated histories."""

    train_failure: Failure | None = None
    fit_calls: tuple[dict, ...] = ()
    returned: str | None = None  # what train returned: "the History from fit", or a type name
    summarize_failure: Failure | None = None
    histories: tuple[dict, ...] = ()  # the corpus, smallest first
    summaries: tuple[dict | None, ...] = ()  # summarize's answer per history (None: it raised)
    summary_failures: tuple[str | None, ...] = ()
    asked: str | None = None


@dataclass(frozen=True)
class ExploreFacts:
    """explore.py: StopAtTarget replayed on the grading's histories and with a metric the logs lack,
    warmup called on the grading's (epoch, rate) pairs, a real fit of them with the reference's three
    callbacks, and StopAtTarget replayed beside the three (grader.synthetic.ExploreQuestions)."""

    failure: Failure | None = None  # explore.py missing, or it does not import
    stop_failure: Failure | None = None  # StopAtTarget missing or not implemented
    stop_answers: tuple[str, ...] = ()  # per stop question: "stops training after epoch 3", "lets all 6 epochs run", ...
    missing_metric: str | None = None  # "warns and lets all 6 epochs run", "raises KeyError: 'val_auc'", ...
    # hypothesis's smallest disagreement with the assignment's definition: (monitor, target, values, yours,
    # the definition's), or () when none was found
    stop_search: tuple = ()
    warmup_failure: Failure | None = None
    rates: tuple[str, ...] = ()  # warmup(epoch, lr) per rate question, as text
    rate_search: tuple = ()  # (epoch, lr, yours, the definition's), or ()
    logging_failure: Failure | None = None
    run: Timeline | None = None  # the real fit: warmup, StopAtTarget, the reference's three, the logging callbacks
    run_failure: Failure | None = None
    positions: tuple[str, ...] = ()  # per position question: where training stops with StopAtTarget there (replays)
    csv_header: tuple[str, ...] = ()  # what the CSVLogger wrote, as text: its first row,
    csv_rows: tuple = ()  # and the others (rows of text cells)
    history: tuple = ()  # the History of the same fit: (key, values) pairs, in key order
    csv_problem: str | None = None
    tensorboard: tuple[str, ...] = ()  # per run folder with epoch scalars: "train: epoch_loss x8, ..."
    logged: tuple[str, ...] = ()  # the keys of that fit's History (what TensorBoard can write as epoch scalars)
    tensorboard_problem: str | None = None
    asked: str | None = None  # the digest of the questions answered (grader.questions): an echo
    # The questions the answers above are to: set on the reference's facts by the trusted process
    # (grader.expected), which is where the verdicts read them; a worker's are ignored.
    questions: ExploreQuestions | None = None


def facts_to_data(facts) -> dict:
    """Facts, or the Failure that replaced them, as plain data that says which of the two it is."""
    if isinstance(facts, Failure):
        return {"failure": dataclasses.asdict(facts)}
    return {"facts": None if facts is None else json.loads(to_json(facts))}


def facts_from_data(cls, data: dict):
    if "failure" in data:
        return from_dict(Failure, data["failure"])
    return from_dict(cls, data["facts"])


def to_json(facts) -> str:
    # Key order is kept: some facts are ordered mappings (layer counts in model order).
    return json.dumps(dataclasses.asdict(facts), indent=2)


def from_dict(cls, data):
    """Rebuild a facts dataclass (and the dataclasses nested in it) from plain data."""
    if data is None:
        return None
    hints = typing.get_type_hints(cls)
    values = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            continue
        values[f.name] = _revive(hints[f.name], data[f.name])
    return cls(**values)


def _revive(hint, value):
    if value is None:
        return None
    options = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, types.UnionType) else (hint,)
    for arg in options:
        if dataclasses.is_dataclass(arg):
            return from_dict(arg, value)
        if typing.get_origin(arg) is tuple:
            (inner, _ellipsis) = typing.get_args(arg)
            return tuple(_revive(inner, v) for v in value)
        if arg is tuple and isinstance(value, list):  # a bare `tuple`: nested lists were tuples too
            return _tuples(value)
    return value


def _tuples(value):
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def from_json(cls, text: str):
    return from_dict(cls, json.loads(text))

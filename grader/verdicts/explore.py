"""Verdicts on the explore step (rubric area "explore"): StopAtTarget, warmup, the logging callbacks."""
from __future__ import annotations

from grader.facts import ExploreFacts, Failure
from grader.grade import Judgement
from grader.synthetic import PUBLIC_EXPLORE, WARMUP_EPOCHS, ExploreQuestions
from grader.verdicts import could_not_run, verdict


def _asked(reference: ExploreFacts) -> ExploreQuestions:
    """The questions this grading asked: the trusted process sets them on the reference's facts."""
    return reference.questions or PUBLIC_EXPLORE


def _positions(asked: ExploreQuestions) -> tuple[str, ...]:
    highest = max(asked.plateau[1])
    return tuple(f"{where} the three, target {target}" + (" (never reached)" if target > highest else "")
                 for where, target in asked.positions)


def _blocked(student: ExploreFacts, part: str, expected: str) -> Judgement | None:
    """The judgement when explore.py, or the part an item needs, could not run."""
    failure = student.failure or getattr(student, part)
    return could_not_run(failure, expected) if failure else None


@verdict("explore.stop_at_target")
def verdict_stop_at_target(student: ExploreFacts, reference: ExploreFacts) -> Judgement:
    expected = ("StopAtTarget stops training at the end of the first epoch where the metric reaches the "
                "target (>= for accuracy, <= for a loss), as the reference does on every history tried")
    if blocked := _blocked(student, "stop_failure", expected):
        return blocked
    hint = ("Compare the monitored value with the target at the end of every epoch (on_epoch_end), >= for "
            "accuracy and <= for a loss, and set self.model.stop_training = True as soon as it is reached.")
    for (monitor, target, val_loss, val_accuracy), mine, theirs in zip(_asked(reference).stops, student.stop_answers,
                                                                        reference.stop_answers):
        values = val_loss if monitor == "val_loss" else val_accuracy
        if mine != theirs:
            return _side_by_side(monitor, target, values, mine, theirs, hint)
    if student.stop_search:
        return _side_by_side(*student.stop_search, hint)
    return Judgement(True, expected)


def _side_by_side(monitor, target, values, mine, theirs, hint) -> Judgement:
    shown = ", ".join(f"{value:.2f}" for value in values)
    return Judgement(False, f"with monitor={monitor!r}, target={target} and {monitor} {shown}: {theirs}",
                     f"yours {mine}", hint=hint)


@verdict("explore.missing_metric")
def verdict_missing_metric(student: ExploreFacts, reference: ExploreFacts) -> Judgement:
    expected = f"a metric the logs do not have: StopAtTarget {reference.missing_metric}"
    if blocked := _blocked(student, "stop_failure", expected):
        return blocked
    found = student.missing_metric or "nothing"
    return Judgement(found == reference.missing_metric, expected, f"yours {found}",
                     hint="Read the value with logs.get(self.monitor); when it is None, warnings.warn(...) "
                          "naming the metric and return, as EarlyStopping does: training goes on.")


@verdict("explore.any_position")
def verdict_any_position(student: ExploreFacts, reference: ExploreFacts) -> Judgement:
    wanted = reference.run.last_epoch if reference.run else None
    expected = (f"beside the three callbacks: in a real fit on the scripted plateau, StopAtTarget first in the "
                f"list stops training after epoch {wanted}; and wherever it sits, "
                + "; ".join(f"{case}: {answer}" for case, answer in zip(_positions(_asked(reference)),
                                                                        reference.positions)))
    if blocked := _blocked(student, "stop_failure", expected):
        return blocked
    if failed := _run_failed(student):
        return Judgement(False, expected, failed)
    hint = ("Stop in on_epoch_end, not on_train_end or on_batch_end, and only ever set "
            "self.model.stop_training = True: never set it back to False, another callback "
            "(EarlyStopping) may have asked to stop.")
    if student.run.last_epoch != wanted:
        return Judgement(False, expected, f"in the real fit, training ran to epoch {student.run.last_epoch}",
                         hint=hint)
    for case, mine, theirs in zip(_positions(_asked(reference)), student.positions, reference.positions):
        if mine != theirs:
            return Judgement(False, expected, f"{case}: yours {mine}", hint=hint)
    return Judgement(True, expected)


@verdict("explore.warmup_rates")
def verdict_warmup_rates(student: ExploreFacts, reference: ExploreFacts) -> Judgement:
    expected = "the learning rate climbs linearly over the first 3 epochs: " + _rates_text(reference, 0, WARMUP_EPOCHS)
    if blocked := _blocked(student, "warmup_failure", expected):
        return blocked
    if disagreement := _first_rate_difference(student, reference, warmup=True):
        return Judgement(False, expected, disagreement,
                         hint="During the warm-up return BASE_LEARNING_RATE * (epoch + 1) / WARMUP_EPOCHS: "
                              "LearningRateScheduler counts epochs from 0.")
    return Judgement(True, expected)


@verdict("explore.warmup_keeps_drops")
def verdict_warmup_keeps_drops(student: ExploreFacts, reference: ExploreFacts) -> Judgement:
    expected = ("after the warm-up, warmup returns the rate it is given: in the fit, ReduceLROnPlateau's drop "
                "after epoch 6 lasts (" + _rates_text(reference, WARMUP_EPOCHS, 99) + ")")
    if blocked := _blocked(student, "warmup_failure", expected):
        return blocked
    hint = ("After the warm-up, return lr (the rate you are given) unchanged: a fixed rate there undoes "
            "every drop ReduceLROnPlateau makes.")
    for (epoch, given), mine, theirs in [*zip(_asked(reference).rates, student.rates, reference.rates),
                                         _searched(student)]:
        if epoch >= WARMUP_EPOCHS and mine != theirs:
            return Judgement(False, expected, f"warmup({epoch}, {given:g}) returns {mine}; the reference's "
                                              f"returns {theirs}", hint=hint)
    if failed := _run_failed(student):
        return Judgement(False, expected, failed)
    # Judged against the student's own rates, so that a warm-up that climbs wrong costs warmup_rates only.
    epochs = student.run.epochs
    for before, now in zip(epochs, epochs[1:]):
        if now.epoch > WARMUP_EPOCHS and not _same_rate(now.learning_rate, before.learning_rate_after):
            return Judgement(False, expected,
                             f"in the fit, epoch {before.epoch} ended with learning rate "
                             f"{_rate(before.learning_rate_after)} and epoch {now.epoch} began with "
                             f"{_rate(now.learning_rate)}: the schedule set it back", hint=hint)
    return Judgement(True, expected)


@verdict("explore.csv_log")
def verdict_csv_log(student: ExploreFacts, reference: ExploreFacts) -> Judgement:
    expected = f"a CSVLogger writing, inside log_dir, one row per epoch with the History's columns: {_csv_text(reference)}"
    if blocked := _blocked(student, "logging_failure", expected):
        return blocked
    if student.csv_problem:
        return Judgement(False, expected, student.csv_problem,
                         hint="Return keras.callbacks.CSVLogger(os.path.join(log_dir, 'training.csv')) "
                              "from make_logging_callbacks.")
    if failed := _run_failed(student):
        return Judgement(False, expected, failed)
    if not student.csv_header:
        return Judgement(False, expected, "an empty CSV file")
    if difference := _csv_difference(student):
        return Judgement(False, expected, f"{_csv_text(student)}: {difference}",
                         hint="Let CSVLogger write what it logs (no separator or key changes), in a file of "
                              "its own under log_dir.")
    return Judgement(True, expected, _csv_text(student))


def _csv_text(facts: ExploreFacts) -> str:
    return f"{len(facts.csv_rows)} rows, columns {', '.join(facts.csv_header)}"


def _csv_difference(student: ExploreFacts) -> str | None:
    """Where the CSV differs from the History of the same fit (rows, columns, values), or None."""
    history = dict(student.history)
    epochs = len(history.get("loss", ()))
    wanted = ["epoch", *sorted(history)]
    if sorted(student.csv_header) != sorted(wanted):
        return f"the History of the same fit has the keys {', '.join(wanted)}"
    if len(student.csv_rows) != epochs:
        return f"the History of the same fit has {epochs} epochs"
    for key, values in history.items():
        column = student.csv_header.index(key)
        for number, (row, value) in enumerate(zip(student.csv_rows, values), start=1):
            if column >= len(row) or not _close(row[column], value):
                shown = row[column] if column < len(row) else "nothing"
                return f"row {number} has {key} {shown}, the History {value}"
    return None


def _close(text: str, value) -> bool:
    try:
        return abs(float(text) - float(value)) <= 1e-6 * max(1.0, abs(float(value)))
    except (TypeError, ValueError):
        return False


@verdict("explore.tensorboard")
def verdict_tensorboard(student: ExploreFacts, reference: ExploreFacts) -> Judgement:
    expected = ("a TensorBoard writing event files under log_dir with the epoch scalars of every epoch: "
                + "; ".join(reference.tensorboard))
    if blocked := _blocked(student, "logging_failure", expected):
        return blocked
    if student.tensorboard_problem:
        return Judgement(False, expected, student.tensorboard_problem,
                         hint="Return keras.callbacks.TensorBoard(log_dir=log_dir) beside the CSVLogger.")
    if failed := _run_failed(student):
        return Judgement(False, expected, failed)
    epochs = student.run.last_epoch
    counts = _tag_counts(student.tensorboard)
    # The reference's scalars that the student's own fit logged (a model compiled without accuracy has
    # no epoch_accuracy to write: that costs model.accuracy_metric, not this item).
    wanted = {tag for tag in _tag_counts(reference.tensorboard) if not student.logged or _key(tag) in student.logged}
    missing = sorted(wanted - set(counts))
    short = sorted(tag for tag, count in counts.items() if tag in wanted and count != epochs)
    if missing or short:
        found = "; ".join(student.tensorboard) or "no epoch scalars"
        return Judgement(False, expected, found + (f" (missing: {', '.join(missing)})" if missing else "")
                         + (f" (not one per epoch of the {epochs} run: {', '.join(short)})" if short else ""))
    return Judgement(True, expected)


def _key(tag: str) -> str:
    """The History key a TensorBoard tag stands for: "validation/epoch_loss" -> "val_loss"."""
    run, _, name = tag.partition("/")
    key = name.removeprefix("epoch_")
    return f"val_{key}" if run == "validation" else key


def _tag_counts(lines: tuple[str, ...]) -> dict[str, int]:
    """{"train/epoch_loss": 8, ...} from the probe's "train: epoch_loss x8, ..." lines."""
    counts = {}
    for line in lines:
        run, _, tags = line.partition(": ")
        for entry in tags.split(", "):
            tag, _, count = entry.rpartition(" x")
            if tag and count.isdigit():  # by the run's last folder: log_dir/fit/<time>/train is a train run
                counts[f"{run.rsplit('/', 1)[-1]}/{tag}"] = int(count)
    return counts


def _run_failed(student: ExploreFacts) -> str | None:
    if isinstance(student.run_failure, Failure):
        return student.run_failure.explain()
    if student.run is None:
        return "the fit with your explore callbacks did not run"
    return None


def _rates_text(reference: ExploreFacts, start: int, stop: int) -> str:
    run = reference.run
    if run is None:
        return ""
    return ", ".join(f"epoch {e.epoch}: {e.learning_rate:.3g}" for e in run.epochs[start:stop]
                     if e.learning_rate is not None)


def _first_rate_difference(student: ExploreFacts, reference: ExploreFacts, warmup: bool) -> str | None:
    """Where the student's warm-up rates first differ from the reference's: called directly, then in the fit."""
    for (epoch, given), mine, theirs in [*zip(_asked(reference).rates, student.rates, reference.rates),
                                         _searched(student)]:
        if epoch < WARMUP_EPOCHS and mine != theirs:
            return f"warmup({epoch}, {given:g}) returns {mine}; the reference's returns {theirs}"
    if failed := _run_failed(student):
        return failed
    for own, other in zip(student.run.epochs[:WARMUP_EPOCHS], reference.run.epochs[:WARMUP_EPOCHS]):
        if not _same_rate(own.learning_rate, other.learning_rate):
            return (f"in the fit, epoch {own.epoch} began with learning rate {_rate(own.learning_rate)}; "
                    f"the reference's with {_rate(other.learning_rate)}")
    return None


def _searched(student: ExploreFacts) -> tuple:
    """The search's disagreement in the shape of a fixed case, ((epoch, lr), yours, expected); else none."""
    if not student.rate_search:
        return ((0, 0.0), "", "")
    epoch, given, mine, theirs = student.rate_search
    return ((epoch, given), mine, theirs)


def _same_rate(mine, theirs) -> bool:
    if mine is None or theirs is None:
        return mine is theirs
    return abs(mine - theirs) <= 1e-6 * max(abs(theirs), 1e-12)


def _rate(value) -> str:
    return "unknown" if value is None else f"{value:.3g}"



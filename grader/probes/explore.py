"""Probe the explore step (explore.py): a callback of the student's own, a warm-up, logging callbacks.

Like the core, by what happens: StopAtTarget is replayed on fixed histories (where it stops)
and with a metric the logs do not have (a warning, not a crash); warmup is called on fixed
(epoch, rate) pairs; then everything trains together with the reference's three callbacks in
one real fit on the scripted plateau (the learning rate each epoch began with, where training
stopped, what the CSVLogger and TensorBoard wrote, read back with the csv module and
TensorBoard's own reader), and StopAtTarget is replayed before and after the three. The
reference's three are rebuilt from their configurations, so a mistake in the student's
make_callbacks costs its own items, not these.
"""
from __future__ import annotations

import contextlib
import csv
import io
import itertools
import logging
import shutil
import warnings
from pathlib import Path

from grader.facts import CallbacksFacts, ExploreFacts, Failure, Timeline
from grader.probes.callbacks import KINDS
from grader.probes.model import batches, grading_model, grading_shape, replay_model
from grader.probes.replay import make_event_recorder, make_scripted_metrics, rebuild_callback, replay
from grader.probes.search import search_settings, without_local_constants
from grader.questions import current
from grader.synthetic import (BASE_LEARNING_RATE, MISSING_METRIC, RUN_MONITOR, RUN_TARGET, SCRIPTED_EPOCHS,
                              SCRIPTED_VAL_ACCURACY, SCRIPTED_VAL_LOSS, STOP_CASES, WARMUP_EPOCHS, blob_images,
                              labels_as)

MODULE = "explore"
BATCH_SIZE = 16
TRAIN_IMAGES = VAL_IMAGES = 16

# The searches beyond the fixed cases: values on a coarse grid, so that ties with the target are common.
LEVELS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
SEARCH = search_settings(max_examples=30)
CSV_MOST_ROWS, CSV_MOST_COLUMNS = 50, 20  # what is read of the CSV file: the fit has 12 epochs, 5 keys


def stop_epoch(monitor: str, target: float, values) -> int | None:
    """The assignment's StopAtTarget: the first epoch (from 1) whose value reaches the target, or None.

    tests/test_explore.py checks it against reference/explore.py on generated histories."""
    for epoch, value in enumerate(values, start=1):
        if (value <= target) if "loss" in monitor else (value >= target):
            return epoch
    return None


def warmup_rate(epoch: int, lr: float) -> float:
    """The assignment's warmup (checked against reference/explore.py the same way)."""
    return BASE_LEARNING_RATE * (epoch + 1) / WARMUP_EPOCHS if epoch < WARMUP_EPOCHS else lr


def probe_explore(submission, scratch, reference_callbacks: CallbacksFacts | None = None) -> ExploreFacts:
    module = submission.module(MODULE)
    if isinstance(module, Failure):
        return ExploreFacts(failure=module)
    stop_class = submission.function(MODULE, "StopAtTarget")
    warmup = submission.function(MODULE, "warmup")
    make_logging = submission.function(MODULE, "make_logging_callbacks")
    facts: dict = {"asked": current().digest}
    if isinstance(stop_class, Failure):
        facts["stop_failure"] = stop_class
    else:
        facts.update(_stop_answers(submission, stop_class))
    if isinstance(warmup, Failure):
        facts["warmup_failure"] = warmup
    else:
        facts.update(_rates(submission, warmup))
    folder = Path(scratch) / "explore"
    if isinstance(make_logging, Failure):
        facts["logging_failure"] = make_logging
    else:
        _, failure = _logging_callbacks(submission, make_logging, folder / "tried")
        if failure and failure.not_implemented:
            facts["logging_failure"] = failure
    failures = [facts.get(key) for key in ("stop_failure", "warmup_failure", "logging_failure")]
    if all(failures):  # nothing of the step can run: no fit to make
        return ExploreFacts(**facts)
    facts.update(_runs(submission, folder, stop_class if not failures[0] else None,
                       warmup if not failures[1] else None, make_logging if not failures[2] else None,
                       reference_callbacks))
    return ExploreFacts(**facts)


def _logging_callbacks(submission, make_logging, log_dir: Path):
    """(list of callbacks, None) or (None, Failure), from a make_logging_callbacks(log_dir) call."""
    log_dir.parent.mkdir(parents=True, exist_ok=True)
    with submission.working_in(log_dir.parent):
        returned, failure = submission.call(make_logging, str(log_dir))
    if failure:
        return None, _named(failure, "make_logging_callbacks()")
    if not isinstance(returned, (list, tuple)):
        return None, Failure(kind="returned", where="make_logging_callbacks()",
                             summary=f"returned a {type(returned).__name__}, not a list of callbacks")
    return list(returned), None


# ---- StopAtTarget replayed (no training)

def _stop_answers(submission, stop_class) -> dict:
    answers = []
    for monitor, target, val_loss, val_accuracy in current().explore.stops:
        callback, failure = submission.call(stop_class, monitor=monitor, target=target)
        if failure:
            if failure.not_implemented:
                return {"stop_failure": _named(failure, "StopAtTarget()")}
            answers.append(f"StopAtTarget(monitor={monitor!r}, target={target}) raises {failure.summary}")
            continue
        timeline, failure = submission.call(replay, [callback], val_loss, val_accuracy, replay_model())
        if failure and failure.not_implemented:
            return {"stop_failure": _named(failure, "StopAtTarget.on_epoch_end()")}
        answers.append(stopped_text(timeline, failure, len(val_loss)))
    return {"stop_answers": tuple(answers), "missing_metric": _missing_metric(submission, stop_class),
            "stop_search": _search_stops(submission, stop_class)}


def _stop_cases():
    from hypothesis import strategies as st

    return st.tuples(st.sampled_from(("val_accuracy", "val_loss")), st.sampled_from(LEVELS),
                     st.lists(st.sampled_from(LEVELS), min_size=1, max_size=10).map(tuple))


def _search_stops(submission, stop_class) -> tuple:
    """Hypothesis's smallest (monitor, target, values, yours, the assignment's) where StopAtTarget
    disagrees with the assignment's definition, or () when none of SEARCH's examples does."""
    from hypothesis import find
    from hypothesis.errors import NoSuchExample

    def answer(case) -> str:
        monitor, target, values = case
        callback, failure = submission.call(stop_class, monitor=monitor, target=target)
        if failure:
            return f"StopAtTarget(monitor={monitor!r}, target={target}) raises {failure.summary}"
        other = tuple(0.5 for _ in values)
        losses, accuracies = (values, other) if monitor == "val_loss" else (other, values)
        timeline, failure = submission.call(replay, [callback], losses, accuracies, replay_model())
        return stopped_text(timeline, failure, len(values))

    def expected(case) -> str:
        return stop_words(stop_epoch(*case), len(case[2]))

    try:
        with without_local_constants():
            case = find(_stop_cases(), lambda case: answer(case) != expected(case), settings=SEARCH)
    except NoSuchExample:
        return ()
    return (*case, answer(case), expected(case))


def stopped_text(timeline: Timeline | None, failure: Failure | None, epochs: int) -> str:
    if failure:
        return f"raises {failure.summary}"
    return stop_words(timeline.last_epoch if timeline.stopped_early else None, epochs)


def stop_words(epoch: int | None, epochs: int) -> str:
    """Where training of `epochs` epochs stops, as an answer says it (stopping at the last epoch
    looks like running them all)."""
    return f"lets all {epochs} epochs run" if epoch in (None, epochs) else f"stops training after epoch {epoch}"


def _missing_metric(submission, stop_class) -> str:
    """What StopAtTarget does when the logs lack its metric: warns (or logs, or prints) and goes on?"""
    monitor, target = MISSING_METRIC
    val_loss, val_accuracy = STOP_CASES[0][2:]
    callback, failure = submission.call(stop_class, monitor=monitor, target=target)
    if failure:
        return f"StopAtTarget(monitor={monitor!r}) raises {failure.summary}"
    said = io.StringIO()
    handler = logging.StreamHandler(said)
    handler.setLevel(logging.WARNING)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(said), \
                contextlib.redirect_stderr(said):
            warnings.simplefilter("always")
            timeline, failure = submission.call(replay, [callback], val_loss, val_accuracy, replay_model())
    finally:
        root.removeHandler(handler)
    if failure:
        return f"raises {failure.summary}"
    spoken = bool(caught) or bool(said.getvalue().strip())
    outcome = stopped_text(timeline, None, len(val_loss))
    return (f"{'warns' if spoken else 'says nothing'} and {outcome}")


def _named(failure: Failure, where: str) -> Failure:
    return Failure(kind=failure.kind, summary=failure.summary, traceback=failure.traceback, where=where)


# ---- warmup called directly

def _rates(submission, warmup) -> dict:
    rates = []
    for epoch, lr in current().explore.rates:
        value, failure = submission.call(warmup, epoch, lr)
        if failure and failure.not_implemented:
            return {"warmup_failure": _named(failure, "warmup()")}
        rates.append(f"raises {failure.summary}" if failure else rate_text(value))
    return {"rates": tuple(rates), "rate_search": _search_rates(submission, warmup)}


def _search_rates(submission, warmup) -> tuple:
    """Hypothesis's smallest (epoch, lr, yours, the assignment's) where warmup disagrees with the
    assignment's definition, or ()."""
    from hypothesis import find
    from hypothesis import strategies as st
    from hypothesis.errors import NoSuchExample

    def answer(case) -> str:
        value, failure = submission.call(warmup, *case)
        return f"raises {failure.summary}" if failure else rate_text(value)

    cases = st.tuples(st.integers(0, 30), st.sampled_from((1e-3, 5e-4, 2.5e-4, 1e-4, 3e-4, 1e-5)))
    try:
        with without_local_constants():
            case = find(cases, lambda case: answer(case) != rate_text(warmup_rate(*case)), settings=SEARCH)
    except NoSuchExample:
        return ()
    return (*case, answer(case), rate_text(warmup_rate(*case)))


def rate_text(value) -> str:
    try:
        return f"{float(value):.6g}"
    except (TypeError, ValueError):
        return f"returns {type(value).__name__} {value!r:.60}"


# ---- everything together in a real fit, and StopAtTarget in other places of the list

def _runs(submission, folder: Path, stop_class, warmup, make_logging, reference_callbacks) -> dict:
    """The real fit (warmup's scheduler, StopAtTarget, the three, the logging callbacks), then replays."""
    import keras

    if folder.exists():
        shutil.rmtree(folder)
    run_folder = folder / "fit"
    run_folder.mkdir(parents=True)
    log_dir = run_folder / "given_log_dir"  # not "logs": code that ignores log_dir must not land in it
    _model, label_format, scale, _problem = grading_model(submission)
    size = grading_shape(submission)[:2]
    images, labels = blob_images(TRAIN_IMAGES + VAL_IMAGES, size)
    images = images * scale
    facts: dict = {}
    own = [keras.callbacks.LearningRateScheduler(warmup)] if warmup is not None else []
    if stop_class is not None:
        with submission.working_in(run_folder):
            stop, failure = submission.call(stop_class, monitor=RUN_MONITOR, target=RUN_TARGET)
        if not failure:
            own.append(stop)
        facts["positions"] = _positions(submission, stop_class, reference_callbacks, folder)
    logging_callbacks = []
    if make_logging is not None:
        logging_callbacks, failure = _logging_callbacks(submission, make_logging, log_dir)
        if failure:
            facts["logging_failure"] = failure
            logging_callbacks = []
    recorder = make_event_recorder(write_checkpoints=False)
    model, *_ = grading_model(submission)  # restored to its initial state
    with submission.working_in(run_folder):
        history, failure = submission.call(
            model.fit, batches(images[:TRAIN_IMAGES], labels_as(labels[:TRAIN_IMAGES], label_format), BATCH_SIZE),
            validation_data=batches(images[TRAIN_IMAGES:], labels_as(labels[TRAIN_IMAGES:], label_format),
                                    BATCH_SIZE),
            epochs=SCRIPTED_EPOCHS, shuffle=False, verbose=0,
            callbacks=[make_scripted_metrics(SCRIPTED_VAL_LOSS, SCRIPTED_VAL_ACCURACY), *own,
                       *_core(reference_callbacks, run_folder), *logging_callbacks, recorder])
    facts["run"] = Timeline(epochs=tuple(recorder.records), epochs_requested=SCRIPTED_EPOCHS)
    facts["run_failure"] = failure and _named(failure, "model.fit with your explore callbacks")
    if logging_callbacks and not failure:
        logged = getattr(history, "history", None) or {}
        facts["logged"] = tuple(sorted(logged))
        facts.update(_csv_written(logging_callbacks, log_dir, run_folder, logged))
        facts.update(_events_written(logging_callbacks, log_dir))
    return facts


def _core(reference_callbacks: CallbacksFacts | None, folder: Path) -> list:
    """The reference's three callbacks, rebuilt from their configurations."""
    return [rebuild_callback(kind, cb.config, folder) for kind in KINDS
            for cb in (reference_callbacks.of_kind(kind)[:1] if reference_callbacks else ())
            if cb.config is not None]


def _positions(submission, stop_class, reference_callbacks, folder: Path) -> tuple[str, ...]:
    """Where training stops with StopAtTarget before or after the three, per the grading's position
    questions, on its plateau (replays)."""
    answers = []
    asked = current().explore
    for where, target in asked.positions:
        callback, failure = submission.call(stop_class, monitor=RUN_MONITOR, target=target)
        if failure:
            answers.append(f"StopAtTarget(target={target}) raises {failure.summary}")
            continue
        core = _core(reference_callbacks, folder)
        ordered = [callback, *core] if where == "before" else [*core, callback]
        timeline, failure = submission.call(replay, ordered, *asked.plateau, replay_model())
        answers.append(stopped_text(timeline, failure, len(SCRIPTED_VAL_LOSS)))
    return tuple(answers)


def _csv_written(callbacks, log_dir: Path, run_folder: Path, logged: dict) -> dict:
    """What the CSVLogger wrote (its header and rows, as text), and the History of the same fit (the
    verdict compares them)."""
    import keras

    loggers = [cb for cb in callbacks if isinstance(cb, keras.callbacks.CSVLogger)]
    if not loggers:
        return {"csv_problem": "make_logging_callbacks returned no keras.callbacks.CSVLogger"}
    path = Path(run_folder, str(loggers[0].filename)).resolve()
    if not path.is_relative_to(log_dir.resolve()):
        return {"csv_problem": f"the CSVLogger writes {_shown(path, run_folder)}, outside log_dir"}
    if not path.is_file():
        return {"csv_problem": f"the CSVLogger's file {path.name} was not written"}
    with path.open(newline="", encoding="utf-8", errors="replace") as handle:
        rows = [tuple(cell[:40] for cell in row[:CSV_MOST_COLUMNS])
                for row in itertools.islice(csv.reader(handle, delimiter=getattr(loggers[0], "sep", ",")),
                                            CSV_MOST_ROWS + 1)]
    history = tuple((str(key), tuple(_number(v) for v in values[:CSV_MOST_ROWS]))
                    for key, values in sorted(logged.items()))
    return {"csv_header": rows[0] if rows else (), "csv_rows": tuple(rows[1:]), "history": history}


def _number(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _events_written(callbacks, log_dir: Path) -> dict:
    """The epoch scalars in the event files under log_dir, read with TensorBoard's own reader."""
    import keras

    if not any(isinstance(cb, keras.callbacks.TensorBoard) for cb in callbacks):
        return {"tensorboard_problem": "make_logging_callbacks returned no keras.callbacks.TensorBoard"}
    from tensorboard.backend.event_processing import event_accumulator

    found = []
    for run in sorted({path.parent for path in log_dir.rglob("events.out.tfevents.*")}):
        reader = event_accumulator.EventAccumulator(str(run), size_guidance={event_accumulator.TENSORS: 0,
                                                                             event_accumulator.SCALARS: 0})
        reader.Reload()
        tags = reader.Tags()
        counts = {tag: len(reader.Tensors(tag)) for tag in tags.get("tensors", []) if tag.startswith("epoch_")}
        counts.update({tag: len(reader.Scalars(tag)) for tag in tags.get("scalars", []) if tag.startswith("epoch_")})
        if counts:
            name = run.relative_to(log_dir).as_posix()
            found.append(f"{name}: " + ", ".join(f"{tag} x{count}" for tag, count in sorted(counts.items())))
    if not found:
        return {"tensorboard_problem": "no epoch scalars in any event file under log_dir"}
    return {"tensorboard": tuple(found)}


def _shown(path: Path, folder: Path) -> str:
    try:
        return str(path.relative_to(folder.resolve()))
    except ValueError:
        return str(path)

"""Probe the callbacks in real training runs (rubric area "behaviour").

Two real `fit` runs of the student's model with the student's callbacks, on the
grader's synthetic images:
- scripted: `ScriptedMetrics` feeds the plateau of `grader.synthetic` to the callbacks;
- natural: no script, labels that cannot be learned, so val_loss plateaus by itself.
For the reference, `expected_behaviour` replays its callbacks on the same script instead.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from grader.facts import BehaviourFacts, CallbacksFacts, Failure, Timeline
from grader.probes.callbacks import GIVEN_CHECKPOINT_NAME, KINDS, is_kind
from grader.probes.model import batches, grading_model, grading_shape, reference_replay_model
from grader.probes.replay import (
    make_event_recorder,
    make_scripted_metrics,
    rebuild_callback,
    replay,
    weights_fingerprint,
)
from grader.questions import current
from grader.synthetic import NATURAL_EPOCHS, SCRIPTED_EPOCHS, blob_images, contradictory_images, labels_as

# One training step and one validation step per epoch: the runs are about what the
# callbacks do, and each extra step costs every student's grading time.
BATCH_SIZE = 16
TRAIN_IMAGES = 16
VAL_IMAGES = 16
FIT = "training with your callbacks (model.fit)"


def probe_behaviour(submission, scratch: Path) -> BehaviourFacts:
    make_callbacks = submission.function("callbacks", "make_callbacks")
    if isinstance(make_callbacks, Failure):
        return BehaviourFacts(failure=make_callbacks)
    scripted_folder, natural_folder = Path(scratch) / "scripted", Path(scratch) / "natural"
    callbacks, failure = _callbacks_for_run(submission, make_callbacks, scripted_folder)
    if failure:
        return BehaviourFacts(failure=failure)
    extras_problem, broken = None, {}

    def run(kind, made=None, only_core=False, without=None):
        # Both runs train the same model object, restored to its initial state each time
        # (see grading_model): its train and test steps are traced once.
        model, label_format, scale, problem = grading_model(submission)
        size = grading_shape(submission)[:2]
        folder = scripted_folder if kind == "scripted" else natural_folder
        callbacks, failure = made or _callbacks_for_run(submission, make_callbacks, folder)
        if failure:
            return problem, {f"{kind}_failure": failure}
        if only_core:
            callbacks = [cb for cb in callbacks if any(is_kind(cb, k) for k in KINDS)]
        if without:
            callbacks = [cb for cb in callbacks if not is_kind(cb, without)]
        runner = _scripted_run if kind == "scripted" else _natural_run
        return problem, runner(submission, callbacks, model, label_format, scale, size, folder)

    facts = {}
    for kind in ("scripted", "natural"):
        problem, facts_of_run = run(kind, made=(callbacks, None) if kind == "scripted" else None)
        failure = facts_of_run.get(f"{kind}_failure")
        extras = [cb for cb in callbacks if not any(is_kind(cb, k) for k in KINDS)]
        if failure and extras and len(extras) < len(callbacks) and not failure.not_implemented:
            # Callbacks beyond the three (TensorBoard, CSVLogger, one of the student's own) are free:
            # when the run fails with them, it runs again with the three alone, and a note says why.
            problem, retried = run(kind, only_core=True)
            if not retried.get(f"{kind}_failure"):
                facts_of_run = retried
                names = ", ".join(sorted({type(cb).__name__ for cb in extras}))
                extras_problem = extras_problem or f"{names}: {failure.summary}"
                failure = None
        if failure and not failure.not_implemented and failure.kind in ("raised", "exited"):
            # One of the three breaks the run: find which by leaving each out in turn, so that the
            # items about the other two are judged on a run without it (one broken part costs its own).
            for kind_left_out in KINDS:
                if not any(is_kind(cb, kind_left_out) for cb in callbacks):
                    continue
                problem, retried = run(kind, only_core=bool(extras_problem), without=kind_left_out)
                if not retried.get(f"{kind}_failure"):
                    facts_of_run = retried
                    broken = broken or {"broken_callback": kind_left_out, "broken_callback_failure": failure}
                    break
        facts.update(facts_of_run)
    return BehaviourFacts(stand_in_model=problem is not None, model_problem=problem,
                          image_shape=grading_shape(submission), extras_problem=extras_problem,
                          asked=current().digest, **broken, **facts)


def expected_behaviour(submission, scratch: Path, reference_callbacks: CallbacksFacts) -> BehaviourFacts:
    """The reference's events on the scripted plateau, by replaying its callbacks (no training)."""
    return BehaviourFacts(scripted=replay_plateau(reference_callbacks, current().plateau, Path(scratch)))


def replay_plateau(reference_callbacks: CallbacksFacts, plateau, scratch: Path) -> Timeline:
    """The reference's three callbacks, rebuilt from their configurations, replayed together on a plateau."""
    callbacks = [
        rebuild_callback(kind, cb.config, Path(scratch))
        for kind in KINDS
        for cb in reference_callbacks.of_kind(kind)[:1]
    ]
    return replay(callbacks, *plateau, reference_replay_model())


def _callbacks_for_run(submission, make_callbacks, folder: Path):
    """(list of callbacks, failure) from a fresh make_callbacks call saving into `folder`."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    returned, failure = submission.call(make_callbacks, str(folder / GIVEN_CHECKPOINT_NAME))
    if failure:
        return None, failure
    if not isinstance(returned, (list, tuple)):
        return None, Failure(kind="returned", where="make_callbacks()",
                             summary=f"returned a {type(returned).__name__}, not a list of callbacks")
    return list(returned), None


def _scripted_run(submission, callbacks, model, label_format, scale, size, folder: Path) -> dict:
    images, labels = blob_images(TRAIN_IMAGES + VAL_IMAGES, size)
    images = images * scale
    val_loss, val_accuracy = current().plateau
    recorder = make_event_recorder(write_checkpoints=True, fingerprints=True)
    with submission.working_in(folder):  # relative paths written by student code land in the run's folder
        _, failure = submission.call(
            model.fit, batches(images[:TRAIN_IMAGES], labels_as(labels[:TRAIN_IMAGES], label_format), BATCH_SIZE),
            validation_data=batches(images[TRAIN_IMAGES:], labels_as(labels[TRAIN_IMAGES:], label_format), BATCH_SIZE),
            epochs=SCRIPTED_EPOCHS, shuffle=False, verbose=0,
            callbacks=[make_scripted_metrics(val_loss, val_accuracy), *callbacks, recorder],
        )
    checkpoint = folder / GIVEN_CHECKPOINT_NAME
    facts = {
        "scripted": Timeline(epochs=tuple(recorder.records), epochs_requested=SCRIPTED_EPOCHS),
        "scripted_failure": _fit_failure(failure),
        "checkpoint_exists": checkpoint.is_file(),
        "checkpoint_saved_elsewhere": tuple(sorted({
            _shown(path, folder) for path in recorder.saved_paths
            if Path(folder, path).resolve() != checkpoint.resolve()
        })),
    }
    if checkpoint.is_file():
        facts.update(_inspect_checkpoint(submission, checkpoint, recorder.fingerprints))
    return facts


def _inspect_checkpoint(submission, checkpoint: Path, fingerprints: dict) -> dict:
    """Does the file load with keras.models.load_model, and whose weights does it hold?"""
    import keras

    loaded, failure = submission.call(keras.models.load_model, str(checkpoint))
    if failure:
        return {"checkpoint_problem": failure.summary}
    fingerprint = weights_fingerprint(loaded)
    return {"checkpoint_holds_epochs": tuple(epoch for epoch, seen in sorted(fingerprints.items())
                                             if seen == fingerprint)}


def _natural_run(submission, callbacks, model, label_format, scale, size, folder: Path) -> dict:
    images, train_labels, val_labels = contradictory_images(TRAIN_IMAGES, size)
    images = images * scale
    recorder = make_event_recorder(write_checkpoints=True)
    with submission.working_in(folder):  # relative paths written by student code land in the run's folder
        _, failure = submission.call(
            model.fit, batches(images, labels_as(train_labels, label_format), BATCH_SIZE),
            validation_data=batches(images, labels_as(val_labels, label_format), BATCH_SIZE),
            epochs=NATURAL_EPOCHS, shuffle=False, verbose=0,
            callbacks=[*callbacks, recorder],
        )
    return {
        "natural": Timeline(epochs=tuple(recorder.records), epochs_requested=NATURAL_EPOCHS),
        "natural_failure": _fit_failure(failure),
    }


def _fit_failure(failure: Failure | None) -> Failure | None:
    if failure is None:
        return None
    return Failure(kind=failure.kind, summary=failure.summary, traceback=failure.traceback, where=FIT)


def _shown(path: str, folder: Path) -> str:
    try:
        return str(Path(folder, path).resolve().relative_to(folder.resolve()))
    except ValueError:
        return str(path)

"""Verdicts on the callbacks in real training runs (rubric area "behaviour").

Expected events come from the reference's callbacks replayed on the same script.
Each callback is blamed only for its own events, compared over the epochs that
both runs reached: an EarlyStopping that stops late gives ReduceLROnPlateau extra
epochs to act in, and that must not cost ReduceLROnPlateau anything.
"""
from __future__ import annotations

from grader.facts import Timeline, BehaviourFacts
from grader.grade import Judgement
from grader.synthetic import GRADING_INPUT_SHAPE, NATURAL_EPOCHS
from grader.verdicts import advisory, could_not_run, verdict
from grader.verdicts.wording import epochs_text, graded_size_note, history_table


def stop_text(timeline: Timeline) -> str:
    if timeline.stopped_early:
        return f"stops after epoch {timeline.last_epoch} of {timeline.epochs_requested}"
    return f"runs all {timeline.epochs_requested} epochs without stopping"


def script_table(timeline: Timeline, until: int | None = None) -> str:
    """The scripted history, as a small table a student can follow epoch by epoch."""
    rows = [e for e in timeline.epochs if until is None or e.epoch <= until]
    if not rows:
        return ""
    return "The scripted validation history:\n" + history_table(
        [e.epoch for e in rows], [e.val_loss for e in rows], [e.val_accuracy for e in rows])


def _compared(until: int) -> str:
    return f"(comparing epochs 1 to {until}, the epochs both runs reached)"


def _broken(student: BehaviourFacts, expected: str, *kinds: str):
    """The judgement for items about a callback whose presence made training fail (None when none did)."""
    kind = student.broken_callback
    if kind in kinds:
        return could_not_run(student.broken_callback_failure, expected,
                             hint=f"Training stopped with this error because of your {kind} (without it, "
                                  "training ran): check its settings.")
    return None


def _scripted(student: BehaviourFacts, expected: str, *kinds: str):
    """(the student's scripted timeline, None), or (None, the judgement, saying `expected`) when that run
    did not happen, or a callback of one of these kinds broke it."""
    if student.failure:
        return None, could_not_run(student.failure, expected)
    broken = _broken(student, expected, *kinds)
    if broken:
        return None, broken
    if student.scripted_failure:
        return None, could_not_run(student.scripted_failure, expected,
                                   hint="Training with your callbacks stopped with this error; "
                                        "the callback configuration items above usually say why.")
    if student.scripted is None:
        return None, Judgement(False, expected, found="the scripted training run did not happen")
    return student.scripted, None


def _same_events(student: BehaviourFacts, reference: BehaviourFacts, kind: str, expected_words: str,
                 found_words: str, never: str) -> Judgement:
    """One callback's events in the scripted run against the reference's, over the epochs both reached."""
    expected_run = reference.scripted
    mine, problem = _scripted(student, expected_words.format(epochs_text(expected_run.events_of(kind)), ""), kind)
    if problem:
        return problem
    until = min(mine.last_epoch, expected_run.last_epoch)
    expected = tuple(e for e in expected_run.events_of(kind) if e <= until)
    found = tuple(e for e in mine.events_of(kind) if e <= until)
    return Judgement(
        expected == found,
        expected_words.format(epochs_text(expected), " " + _compared(until)),
        found_words.format(epochs_text(found)) if found else never,
        detail=script_table(mine, until),
    )


UNDONE_HINT = ("A callback in your list sets the learning rate back up after ReduceLROnPlateau lowered it: a "
               "LearningRateScheduler's schedule must return the rate it is given (lr) once its own changes "
               "are done, not a rate computed from the epoch alone.")


def _undone_words(epochs) -> str:
    return f"but it is set back up before {epochs_text(epochs)}, so the lower rate never holds"


@verdict("behaviour.lr_drops")
def verdict_lr_drops(student: BehaviourFacts, reference: BehaviourFacts) -> Judgement:
    judgement = _same_events(student, reference, "ReduceLROnPlateau", "the learning rate drops after {}{}",
                             "it drops after {}", "it never drops")
    undone = student.scripted.lr_undone() if student.scripted and not student.scripted_failure else ()
    if judgement.passed and undone:
        return Judgement(False, judgement.expected + ", and stays lowered",
                         f"{judgement.found or 'it drops then'}, {_undone_words(undone)}",
                         hint=UNDONE_HINT, detail=judgement.detail)
    return judgement


@verdict("behaviour.checkpoint_saves")
def verdict_checkpoint_saves(student: BehaviourFacts, reference: BehaviourFacts) -> Judgement:
    return _same_events(student, reference, "ModelCheckpoint",
                        "the model is saved after {}, the new bests of val_accuracy{}",
                        "it is saved after {}", "it is never saved")


@verdict("behaviour.checkpoint_file")
def verdict_checkpoint_file(student: BehaviourFacts, reference: BehaviourFacts) -> Judgement:
    mine, problem = _scripted(student, "the checkpoint file holds the best epoch's model", "ModelCheckpoint")
    expected_run = reference.scripted
    if problem:
        return problem
    until = min(mine.last_epoch, expected_run.last_epoch)
    saves = expected_run.saves(until)
    best = saves[-1] if saves else None
    expected = (f"a file at the checkpoint_path given, which keras.models.load_model loads, "
                f"holding the model of epoch {best} (the best val_accuracy)")
    if not student.checkpoint_exists:
        elsewhere = ", ".join(repr(p) for p in student.checkpoint_saved_elsewhere)
        found = "no file at the checkpoint_path it was given" + (f"; the model was saved to {elsewhere}" if elsewhere else "")
        return Judgement(False, expected, found)
    if student.checkpoint_problem:
        return Judgement(False, expected, f"the file does not load: {student.checkpoint_problem}",
                         hint="Save the whole model (a .keras file, save_weights_only=False); a subclassed "
                              "model must be registered with @keras.saving.register_keras_serializable().")
    holds = student.checkpoint_holds_epochs
    if best in holds:
        return Judgement(True, expected)
    own = mine.saves()
    if mine.last_epoch > expected_run.last_epoch and mine.saves(until) == saves and own and own[-1] in holds:
        # The run went on past the reference's stop (EarlyStopping's own mistake, its own items'), and
        # the checkpoint, right until then, saved a later best: the file rightly holds that one.
        return Judgement(True, expected)
    found = f"the file holds the model of epoch {holds[-1]}" if holds else "the file matches no epoch's model"
    return Judgement(False, expected, found, detail=script_table(mine, until))


@verdict("behaviour.stop_epoch")
def verdict_stop_epoch(student: BehaviourFacts, reference: BehaviourFacts) -> Judgement:
    expected_run = reference.scripted
    expected = f"training {stop_text(expected_run)}"
    mine, problem = _scripted(student, expected, "EarlyStopping")
    if problem:
        return problem
    same = (mine.last_epoch, mine.stopped_early) == (expected_run.last_epoch, expected_run.stopped_early)
    # the script as far as the later of the two stops: both epochs are in the table
    longer = mine if mine.last_epoch >= expected_run.last_epoch else expected_run
    return Judgement(same, expected, f"training {stop_text(mine)}", detail=script_table(longer))


@verdict("behaviour.natural_plateau")
def verdict_natural_plateau(student: BehaviourFacts, reference: BehaviourFacts) -> Judgement:
    expected = ("on data it cannot learn, training lowers the learning rate and stops early "
                f"(before the {NATURAL_EPOCHS} epochs the grader asks for)")
    if student.failure:
        return could_not_run(student.failure)
    broken = _broken(student, expected, "ReduceLROnPlateau", "EarlyStopping")
    if broken:
        return broken
    if student.natural_failure:
        return could_not_run(student.natural_failure, expected)
    run = student.natural
    lowered, stopped, undone = bool(run.lr_drops()), run.stopped_early, run.lr_undone()
    if lowered and stopped and not undone:
        return Judgement(True, expected)
    what = []
    if not lowered:
        what.append("the learning rate never dropped")
    elif undone:
        what.append(f"the learning rate dropped after {epochs_text(run.lr_drops())}, {_undone_words(undone)}")
    if not stopped:
        what.append(f"training ran all {run.epochs_requested} epochs")
    else:
        what.append(f"training stopped after epoch {run.last_epoch}")
    losses = ", ".join(f"{e.val_loss:.3f}" for e in run.epochs if e.val_loss is not None)
    return Judgement(False, expected, "; ".join(what), detail=f"    val_loss per epoch: {losses}",
                     hint=UNDONE_HINT if undone else None)


@advisory("behaviour")
def behaviour_notes(student: BehaviourFacts, reference: BehaviourFacts) -> list[str]:
    if student.stand_in_model:
        problem = student.model_problem.rstrip('.')
        return [f"The training runs could not use your build_model ({problem}), so they trained a "
                "small model of the grader's instead: your callbacks are graded all the same."]
    notes = []
    if student.extras_problem:
        notes.append(f"Training stopped with an error in a callback beyond the three ({student.extras_problem}), "
                     "so the runs were graded with your ModelCheckpoint, EarlyStopping and ReduceLROnPlateau "
                     "alone. Check that callback before you train for real.")
    shape = student.image_shape
    if shape and tuple(shape) != GRADING_INPUT_SHAPE:
        notes.append(graded_size_note(shape))
    return notes

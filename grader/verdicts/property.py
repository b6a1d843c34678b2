"""Verdicts of the differential property test (rubric area "property")."""
from __future__ import annotations

from grader.facts import PropertyFacts, Timeline
from grader.grade import Judgement
from grader.verdicts import could_not_run, verdict
from grader.verdicts.wording import epochs_text, history_table

HINTS = {
    "ModelCheckpoint": "Go through the history by hand: with your monitor and mode, which epochs beat the best "
                       "value so far? With save_best_only=True, only those save.",
    "EarlyStopping": "Go through the history by hand: with your monitor and mode, count the epochs since the "
                     "last improvement; training stops when the count reaches patience.",
    "ReduceLROnPlateau": "Go through the history by hand: with your monitor and mode, count the epochs since the "
                         "last improvement; the learning rate drops when the count reaches patience "
                         "(and stays above min_lr).",
}


def events_words(kind: str, timeline: Timeline) -> str:
    """What one callback did in a replay, in words: "saves the model after epochs 1 and 3"."""
    if kind == "ModelCheckpoint":
        saves = timeline.saves()
        return f"saves the model after {epochs_text(saves)}" if saves else "never saves the model"
    if kind == "EarlyStopping":
        return f"stops after epoch {timeline.last_epoch}" if timeline.stopped_early else "never stops"
    drops = timeline.lr_drops()
    return f"lowers the learning rate after {epochs_text(drops)}" if drops else "never lowers the learning rate"


def _acts_like_the_reference(student: PropertyFacts, kind: str) -> Judgement:
    """The first generated history on which the student's `kind` and the reference's disagree, if any."""
    expected = f"your {kind} acts exactly like the reference's on every validation history tried"
    if student.failure:
        return could_not_run(student.failure)
    check = student.check(kind)
    if check is None:
        return Judgement(False, expected, f"no {kind} was tested")
    if check.val_loss is None and check.failure:
        return could_not_run(check.failure, expected)
    agreed = check.failure is None and (
        check.val_loss is None or check.student.events_of(kind) == check.reference.events_of(kind))
    if agreed:
        return Judgement(True, expected, f"they agreed on all {check.examples} histories tried")
    theirs = events_words(kind, check.reference)
    mine = f"raises {check.failure.summary}" if check.failure else events_words(kind, check.student)
    found = (f"they disagree on this validation history ({len(check.val_loss)} epochs):\n"
             f"{history_table(range(1, len(check.val_loss) + 1), check.val_loss, check.val_accuracy)}\n"
             f"    the reference's {kind} {theirs};\n"
             f"    yours {mine}.")
    return Judgement(False, expected, found, detail=check.failure.traceback if check.failure else "",
                     hint=HINTS[kind])


@verdict("property.checkpoint")
def verdict_property_checkpoint(student: PropertyFacts, reference) -> Judgement:
    return _acts_like_the_reference(student, "ModelCheckpoint")


@verdict("property.early_stopping")
def verdict_property_early_stopping(student: PropertyFacts, reference) -> Judgement:
    return _acts_like_the_reference(student, "EarlyStopping")


@verdict("property.reduce_lr")
def verdict_property_reduce_lr(student: PropertyFacts, reference) -> Judgement:
    return _acts_like_the_reference(student, "ReduceLROnPlateau")

"""Verdicts of the differential property test (rubric area "property")."""
from __future__ import annotations

import json

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


def _acts_like_the_reference(student: PropertyFacts, kind: str, reference=None) -> Judgement:
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
        return _on_the_list(student, kind, reference, expected) or Judgement(
            True, expected, f"they agreed on all {check.examples} histories tried")
    theirs = events_words(kind, check.reference)
    mine = f"raises {check.failure.summary}" if check.failure else events_words(kind, check.student)
    found = (f"they disagree on this validation history ({len(check.val_loss)} epochs):\n"
             f"{history_table(range(1, len(check.val_loss) + 1), check.val_loss, check.val_accuracy)}\n"
             f"    the reference's {kind} {theirs};\n"
             f"    yours {mine}.")
    return Judgement(False, expected, found, detail=check.failure.traceback if check.failure else "",
                     hint=HINTS[kind])


def _on_the_list(student: PropertyFacts, kind: str, reference, expected: str) -> Judgement | None:
    """The first history of the grading's list (its questions) on which the answers differ; None if none.

    The reference's answers are made outside the worker (grader.expected); the student's are the
    worker's answers, so a missing or short list of answers is a disagreement too.
    """
    theirs = next((a for a in getattr(reference, "answers", ()) if a.kind == kind), None)
    if theirs is None:  # a reference without answers (made for no questions): nothing to compare
        return None
    mine = student.answers_of(kind)
    if mine is None or len(mine.events) != len(theirs.events):
        answered = 0 if mine is None else len(mine.events)
        found = f"answers for {answered} of the grader's {len(theirs.events)} validation histories"
        if mine is not None and mine.failure:
            found += f" (it raised {mine.failure})"
        return Judgement(False, expected, found, hint=HINTS[kind])
    histories = reference.histories
    for number, (answer, right) in enumerate(zip(mine.events, theirs.events)):
        if answer != right:
            val_loss, val_accuracy = histories[number] if number < len(histories) else ((), ())
            shown = (f"{history_table(range(1, len(val_loss) + 1), val_loss, val_accuracy)}\n"
                     if val_loss else "")
            found = (f"they disagree on this validation history ({len(val_loss)} epochs):\n{shown}"
                     f"    the reference's {kind} {answer_words(kind, right)};\n"
                     f"    yours {answer_words(kind, answer, mine.failure)}.")
            return Judgement(False, expected, found, hint=HINTS[kind])
    return None


def answer_words(kind: str, events: str | None, failure: str | None = None) -> str:
    """events_words for an answer: Timeline.events_of(kind) as JSON (None: the callback raised)."""
    if events is None:
        return f"raises {failure}" if failure else "raises an error"
    value = json.loads(events)
    if kind == "ModelCheckpoint":
        return f"saves the model after {epochs_text(value)}" if value else "never saves the model"
    if kind == "EarlyStopping":
        return f"stops after epoch {value}" if value is not None else "never stops"
    return f"lowers the learning rate after {epochs_text(value)}" if value else "never lowers the learning rate"


@verdict("property.checkpoint")
def verdict_property_checkpoint(student: PropertyFacts, reference) -> Judgement:
    return _acts_like_the_reference(student, "ModelCheckpoint", reference)


@verdict("property.early_stopping")
def verdict_property_early_stopping(student: PropertyFacts, reference) -> Judgement:
    return _acts_like_the_reference(student, "EarlyStopping", reference)


@verdict("property.reduce_lr")
def verdict_property_reduce_lr(student: PropertyFacts, reference) -> Judgement:
    return _acts_like_the_reference(student, "ReduceLROnPlateau", reference)

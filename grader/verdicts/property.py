"""Verdicts of the differential property test (rubric area "property")."""
from __future__ import annotations

from grader.facts import PropertyCheck, PropertyFacts, Timeline
from grader.verdicts import Judgement, could_not_run, verdict
from grader.verdicts.behaviour import epochs_text

HINTS = {
    "ModelCheckpoint": "Go through the history by hand: with your monitor and mode, which epochs beat the best "
                       "value so far? With save_best_only=True, only those save.",
    "EarlyStopping": "Go through the history by hand: with your monitor and mode, count the epochs since the "
                     "last improvement; training stops when the count reaches patience.",
    "ReduceLROnPlateau": "Go through the history by hand: with your monitor and mode, count the epochs since the "
                         "last improvement; the learning rate drops when the count reaches patience "
                         "(and stays above min_lr).",
}


def describe(kind: str, timeline: Timeline) -> str:
    if kind == "ModelCheckpoint":
        saves = timeline.saves()
        return f"saves the model after {epochs_text(saves)}" if saves else "never saves the model"
    if kind == "EarlyStopping":
        return f"stops after epoch {timeline.last_epoch}" if timeline.stopped_early else "never stops"
    drops = timeline.lr_drops()
    return f"lowers the learning rate after {epochs_text(drops)}" if drops else "never lowers the learning rate"


def history_table(check: PropertyCheck) -> str:
    epochs = range(1, len(check.val_loss) + 1)
    return "\n".join([
        "    epoch         " + " ".join(f"{e:>5}" for e in epochs),
        "    val_loss      " + " ".join(f"{v:>5.2f}" for v in check.val_loss),
        "    val_accuracy  " + " ".join(f"{v:>5.2f}" for v in check.val_accuracy),
    ])


def _property_verdict(item_id: str, kind: str):
    @verdict(item_id)
    def judge(student: PropertyFacts, reference) -> Judgement:
        expected = f"your {kind} acts exactly like the reference's on every validation history tried"
        if student.failure:
            return could_not_run(student.failure)
        check = student.check(kind)
        if check is None:
            return Judgement(False, expected, f"no {kind} was tested")
        if check.val_loss is None and check.failure:
            judgement = could_not_run(check.failure)
            return Judgement(False, expected, judgement.found, judgement.detail, judgement.hint)
        agreed = check.failure is None and (
            check.val_loss is None or check.student.events_of(kind) == check.reference.events_of(kind))
        if agreed:
            return Judgement(True, expected, f"they agreed on all {check.examples} histories tried")
        theirs = describe(kind, check.reference)
        if check.failure:
            mine = f"raises {check.failure.summary}"
        else:
            mine = describe(kind, check.student)
        found = (f"they disagree on this validation history ({len(check.val_loss)} epochs):\n"
                 f"{history_table(check)}\n"
                 f"    the reference's {kind} {theirs};\n"
                 f"    yours {mine}.")
        return Judgement(False, expected, found, detail=check.failure.traceback if check.failure else "",
                         hint=HINTS[kind])

    judge.__name__ = f"verdict_{item_id.replace('.', '_')}"
    return judge


_property_verdict("property.checkpoint", "ModelCheckpoint")
_property_verdict("property.early_stopping", "EarlyStopping")
_property_verdict("property.reduce_lr", "ReduceLROnPlateau")

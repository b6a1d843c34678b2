"""Verdicts: pure functions that judge a submission's facts against the reference's.

Each rubric item is judged by exactly one verdict, registered here under the item's
id by `@verdict("item.id")` in the area's verdicts module (named in `grader.areas`),
which the grading loop imports. A verdict never imports or runs student code; it
returns a `Judgement` (passed, what was expected, what was found), and `judge_item`
turns it into points with the rubric.
"""
from __future__ import annotations

from typing import Callable

from grader.facts import Failure
from grader.grade import ItemResult, Judgement
from grader.rubric import RubricItem

VERDICTS: dict[str, Callable] = {}
ADVISORIES: dict[str, Callable] = {}


def verdict(item_id: str):
    """Register the function that judges one rubric item."""

    def register(function):
        if item_id in VERDICTS:
            raise ValueError(f"two verdicts for {item_id}")
        VERDICTS[item_id] = function
        return function

    return register


def advisory(area: str):
    """Register the function that writes an area's notes (no points, just warnings)."""

    def register(function):
        ADVISORIES[area] = function
        return function

    return register


HINTS = {
    "not_implemented": "Follow the TODOs in the function, then run pytest grader again.",
    "import_error": "Fix the error shown above so that the file imports; then this item can be graded.",
    "exited": "Remove the sys.exit()/exit() call: the grader imports your files and calls your functions.",
    "missing": "Keep the file and function names that the assignment gives.",
    "returned": "Return what the function's docstring asks for.",
    "timeout": "Look for a loop that never ends, or make the model smaller; the other areas are "
               "graded as usual.",
    "crashed": "Look for something unusual in your code (an odd value or object); the other areas "
               "are graded as usual.",
    "out_of_memory": "Keep the model and the data small enough to train on a laptop; the grader "
                     "uses small images and a few batches.",
    "killed": "Graded code must return normally: no os._exit(), exit() or signals, at import or later.",
    "tampered": "Graded code must not change the grader; ask your instructor if you think this is wrong.",
    "inconsistent": "Use the Keras callback classes as they are (a subclass must act as its settings say), and "
                    "leave the grader's questions and answers alone; ask your instructor if you think this is wrong.",
}


def _unfinished(failure: Failure) -> bool:
    """Not started: the function is still the stub, or its whole module is absent (explore.py, say)."""
    return failure.not_implemented or (failure.kind == "missing" and failure.where.endswith(".py"))


def could_not_run(failure: Failure, expected: str = "", hint: str | None = None) -> Judgement:
    """The judgement for an item whose student function is missing, broken or unfinished.

    Every item blocked by the same failure gets the same found/detail/hint (unless a
    verdict has a better hint for its situation), so that reports can say it once.
    `expected`: what the item wanted, where the verdict can say it without the facts.
    """
    default = HINTS.get(failure.kind, "Fix the error shown above (your line is the last one listed); "
                                      "then this item can be graded.")
    return Judgement(passed=False, expected=expected, found=failure.explain(), detail=failure.traceback,
                     hint=hint or default, unfinished=_unfinished(failure))


def judge_item(item: RubricItem, student, reference) -> ItemResult:
    if isinstance(student, Failure):  # the area's probe could not run at all
        judgement = could_not_run(student)
    else:
        judgement = VERDICTS[item.id](student, reference)
    return ItemResult(
        id=item.id,
        number=item.number,
        area=item.area,
        description=item.description,
        points=item.points if judgement.passed else 0.0,
        max_points=item.points,
        passed=judgement.passed,
        expected=judgement.expected or item.description,
        found=judgement.found,
        hint=judgement.hint or item.hint,
        detail=judgement.detail,
        visibility=item.visibility,
        extra=item.extra,
        unfinished=judgement.unfinished and not judgement.passed,
    )


def notes_for(area: str, student, reference) -> list[str]:
    """Advisory notes on an area: likely mistakes that cost no points."""
    if isinstance(student, Failure) or area not in ADVISORIES:
        return []
    return ADVISORIES[area](student, reference)

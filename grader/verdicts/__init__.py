"""Verdicts: pure functions that judge a submission's facts against the reference's.

Each rubric item is judged by exactly one verdict, registered here under the item's
id. A verdict never imports or runs student code; it returns a `Judgement`
(passed, what was expected, what was found), and `judge_area` turns judgements
into points with the rubric.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from grader.facts import Failure
from grader.rubric import Rubric, RubricItem

VERDICTS: dict[str, Callable] = {}
ADVISORIES: dict[str, Callable] = {}


@dataclass(frozen=True)
class Judgement:
    passed: bool
    expected: str = ""
    found: str = ""
    detail: str = ""  # e.g. the student's own traceback
    hint: str | None = None  # replaces the rubric's hint when the situation calls for another


@dataclass(frozen=True)
class ItemResult:
    id: str
    number: str
    area: str
    description: str
    points: float
    max_points: float
    passed: bool
    expected: str
    found: str
    hint: str
    detail: str
    visibility: str

    def feedback(self) -> str:
        """Expected / found / hint, as a student reads it (plain text, for results.json and pytest)."""
        if self.passed:
            return ""
        from grader.report.table import feedback_lines

        lines = feedback_lines(self.expected, self.found, self.detail, self.hint, width=100)
        return "\n".join(line[4:] for line in lines)


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


def could_not_run(failure: Failure) -> Judgement:
    """The judgement for an item whose student function is missing, broken or unfinished.

    Every item blocked by the same failure gets the same found/detail/hint, so that
    reports can say it once.
    """
    hints = {
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
    }
    hint = hints.get(failure.kind, "Fix the error shown above (your line is the last one listed); "
                                   "then this item can be graded.")
    return Judgement(passed=False, found=failure.explain(), detail=failure.traceback, hint=hint)


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
    )


def notes_for(area: str, student, reference) -> list[str]:
    """Advisory notes on an area: likely mistakes that cost no points."""
    if isinstance(student, Failure) or area not in ADVISORIES:
        return []
    return ADVISORIES[area](student, reference)


def judge_area(rubric: Rubric, area: str, student, reference) -> tuple[list[ItemResult], list[str]]:
    results = [judge_item(item, student, reference) for item in rubric.in_area(area)]
    return results, notes_for(area, student, reference)


# Importing the verdict modules registers their verdicts.
from grader.verdicts import analysis as _analysis  # noqa: E402,F401
from grader.verdicts import behaviour as _behaviour  # noqa: E402,F401
from grader.verdicts import callbacks as _callbacks  # noqa: E402,F401
from grader.verdicts import data as _data  # noqa: E402,F401
from grader.verdicts import model as _model  # noqa: E402,F401
from grader.verdicts import property as _property  # noqa: E402,F401

try:  # the instructor-only verdicts; students' copies have no grader/hidden
    import grader.hidden  # noqa: E402,F401
except ModuleNotFoundError as missing:
    if missing.name != "grader.hidden":
        raise

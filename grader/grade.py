"""A grade as values: what a verdict decides, what an item earns, and the sum of them.

The vocabulary below both verdicts and reports: verdicts return a `Judgement`, the
grading loop turns judgements into `ItemResult`s of a `Grade` with the rubric, and every
report (the terminal table, results.json, the gradebook, HTML) renders those. Nothing
here imports the rest of the grader.
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Judgement:
    passed: bool
    expected: str = ""
    found: str = ""
    detail: str = ""  # e.g. the student's own traceback
    hint: str | None = None  # replaces the rubric's hint when the situation calls for another
    # Lost because the function it needs still raises NotImplementedError: not tried yet,
    # rather than tried and wrong (an area of extra credit left alone reads "not attempted").
    unfinished: bool = False


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
    extra: bool = False  # extra credit: `points` count, `max_points` are not part of the total
    unfinished: bool = False  # see Judgement.unfinished

    def feedback(self) -> str:
        """Expected / found / hint, as a student reads it (plain text, for results.json and pytest)."""
        if self.passed:
            return ""
        lines = feedback_lines(self.expected, self.found, self.detail, self.hint, width=100)
        return "\n".join(line[4:] for line in lines)


@dataclass
class Grade:
    """The verdicts on one submission, in rubric order, plus advisory notes."""

    items: list[ItemResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # The facts each area was judged on (event timelines and all), for reports and plots.
    facts: dict[str, object] = field(default_factory=dict)
    hidden_elsewhere: float = 0  # points of hidden items this copy of the grader does not have
    # Why what the worker reported contradicts itself or answers other questions (grader.expected)
    inconsistent: str | None = None

    @property
    def score(self) -> float:
        """Every point earned, extra credit included: a score above `max_score` is extra credit."""
        return sum(item.points for item in self.items)

    @property
    def max_score(self) -> float:
        """What the grade is out of: the items that are part of the total, not the extra credit."""
        return sum(item.max_points for item in self.items if not item.extra)

    @property
    def part_score(self) -> float:
        """The points earned on the items that are part of the total (out of `max_score`)."""
        return sum(item.points for item in self.items if not item.extra)

    @property
    def extra_score(self) -> float:
        return sum(item.points for item in self.items if item.extra)

    @property
    def extra_max(self) -> float:
        return sum(item.max_points for item in self.items if item.extra)

    def not_attempted(self) -> list[str]:
        """The areas of extra credit not started: every item lost to a function that is still the stub.

        They cost nothing, and a list of failures would read as if they did: reports say
        "not attempted" instead. One item tried (passed, or lost for another reason) and the
        area reads as attempted, with its feedback.
        """
        areas: dict[str, bool] = {}
        for item in self.items:
            areas[item.area] = areas.get(item.area, True) and item.extra and item.unfinished and not item.passed
        return [area for area, untouched in areas.items() if untouched]

    def to_explain(self) -> list[ItemResult]:
        """The items whose feedback reports show: all but those of an area not attempted."""
        skipped = set(self.not_attempted())
        return [item for item in self.items if item.area not in skipped]

    def lost(self) -> set[str]:
        """The items that lost points: not those of an extra-credit area not attempted (they cost nothing)."""
        skipped = set(self.not_attempted())
        return {item.id for item in self.items if not item.passed and item.area not in skipped}


def lost_groups(items) -> list[list[ItemResult]]:
    """Lost items, those sharing one cause (same found, detail and hint) grouped together, in order."""
    groups: dict[tuple, list] = {}
    for item in items:
        if not item.passed:
            groups.setdefault((item.found, item.detail, item.hint), []).append(item)
    return list(groups.values())


def group_name(items) -> str:
    """"3 items (1.1, 1.2, 1.3)", or "21 items (1.1 to 2.4)" for a long group."""
    numbers = [item.number for item in items]
    shown = ", ".join(numbers) if len(numbers) <= 6 else f"{numbers[0]} to {numbers[-1]}"
    return f"{len(items)} items ({shown})"


def number(value: float):
    """A point value as a student reads it: 2, not 2.0; 0.5 stays 0.5."""
    return int(value) if float(value).is_integer() else round(float(value), 4)


def points(value: float) -> str:
    """"1 point", "2 points", "0.5 points"."""
    return f"{number(value)} point" + ("" if value == 1 else "s")


LABEL_WIDTH = 14  # "    Expected: "


def _labelled(label: str, text: str, width: int) -> list[str]:
    """`Label:` then text wrapped under itself; lines that start with blanks are tables: kept as they are."""
    lines = []
    for index, line in enumerate(text.splitlines() or [""]):
        if index and line.startswith(" "):
            lines.append(" " * 4 + line)
            continue
        first = f"    {label + ':':<10}" if index == 0 else " " * LABEL_WIDTH
        lines += textwrap.wrap(line, width=max(width, 40), initial_indent=first,
                               subsequent_indent=" " * LABEL_WIDTH) or [first]
    return lines


def feedback_lines(expected: str | None, found: str, detail: str, hint: str, width: int) -> list[str]:
    """Expected / Found / (the student's traceback or a table, never wrapped) / Hint."""
    lines = _labelled("Expected", expected, width) if expected else []
    lines += _labelled("Found", found, width)
    lines += [" " * 4 + line for line in detail.splitlines()]
    lines += _labelled("Hint", hint, width)
    return lines

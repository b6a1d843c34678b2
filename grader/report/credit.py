"""How every report words the total and extra credit: one wording for the table, results.json and HTML.

Extra credit comes on top of the total ("Total: 100 / 100 points, + 4 / 10 extra credit"), and
an area of extra credit left as the stubs reads "not attempted" rather than as failures.
"""
from __future__ import annotations

from grader.areas import area
from grader.grade import Grade, number, points

EXTRA = "(extra credit)"


def area_name(key: str) -> str:
    """"7. Exploring further": an area as the rubric lists it (its key, for an area this grader lacks)."""
    try:
        declared = area(key)
    except ValueError:
        return key
    return f"{declared.number}. {declared.title}"


def total_line(grade: Grade) -> str:
    """"Total: 100 / 100 points", and with extra credit ", + 4 / 10 extra credit"."""
    total = f"Total: {number(grade.part_score)} / {number(grade.max_score)} points"
    if grade.extra_max:
        total += f", + {number(grade.extra_score)} / {number(grade.extra_max)} extra credit"
    return total


def not_attempted_lines(grade: Grade) -> list[str]:
    """One line per area of extra credit left as the stubs: what it would be worth, and that it costs nothing."""
    return [f"{area_name(key)} {EXTRA}: not attempted, worth up to "
            f"{points(sum(i.max_points for i in grade.items if i.area == key))}; it costs nothing."
            for key in grade.not_attempted()]

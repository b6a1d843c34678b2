"""Gradescope's results.json: the form GitHub Classroom, Gradescope and our CI read.

Extra credit: Gradescope grades a submission by the top-level "score" (it overrides the sum
of the tests) against the total points the instructor sets for the assignment, and its
format bounds neither a test's score by its max_score nor the score by that total. So the
top-level "score" counts the extra credit earned, and "max_score" is the total without it
(what the assignment is worth). An extra-credit item keeps its own max_score, so that a
student reads what it is worth ("0.0 / 5.0" before it is earned; a max_score of 0 would
show "0.0 / 0.0", an item worth nothing), is named and tagged as extra credit, and has an
explicit status, which Gradescope shows instead of comparing score and max_score. An item of
an extra area not attempted says so in its output, and in "extra_data" (stored, never shown)
for the GitHub Classroom summary.
"""
from __future__ import annotations

import json
from pathlib import Path

from grader.grade import Grade, number
from grader.report.credit import EXTRA, not_attempted_lines, total_line

EXTRA_TAG = "extra_credit"


def results_dict(grade: Grade, execution_time: float) -> dict:
    explained = grade.to_explain()
    lost = [item for item in explained if not item.passed and item.visibility == "visible"]
    lost_hidden = [item for item in explained if not item.passed and item.visibility != "visible"]
    output = [f"{total_line(grade)}."]
    if lost:
        output.append(f"{len(lost)} item(s) lost points: " + ", ".join(item.id for item in lost) + ".")
    if lost_hidden:  # this text is shown to students: say how many, not which
        output.append(f"{len(lost_hidden)} hidden item(s) lost points.")
    output += not_attempted_lines(grade)
    output += [f"Note: {note}" for note in grade.notes]
    untouched = set(grade.not_attempted())
    return {
        "score": number(grade.score),
        "max_score": number(grade.max_score),
        "execution_time": int(round(execution_time)),
        "output": "\n".join(output),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [
            {
                "name": f"{item.id}{' ' + EXTRA if item.extra else ''}: {item.description}",
                "number": item.number,
                "score": number(item.points),
                "max_score": number(item.max_points),
                "status": "passed" if item.passed else "failed",
                "output": ("Not attempted yet: extra credit, it costs nothing.\n" + item.feedback()
                           if item.area in untouched else item.feedback()),
                "visibility": item.visibility,
                "tags": [item.area, EXTRA_TAG] if item.extra else [item.area],
                **({"extra_data": {"not_attempted": True}} if item.area in untouched else {}),
            }
            for item in grade.items
        ],
    }


def write_results_json(grade: Grade, path, execution_time: float) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results_dict(grade, execution_time), indent=2) + "\n", encoding="utf-8")

"""Gradescope's results.json: the form GitHub Classroom, Gradescope and our CI read."""
from __future__ import annotations

import json
from pathlib import Path

from grader.grade import Grade, number


def results_dict(grade: Grade, execution_time: float) -> dict:
    lost = [item for item in grade.items if not item.passed and item.visibility == "visible"]
    lost_hidden = [item for item in grade.items if not item.passed and item.visibility != "visible"]
    output = [f"Total: {number(grade.score)} / {number(grade.max_score)} points."]
    if lost:
        output.append(f"{len(lost)} item(s) lost points: " + ", ".join(item.id for item in lost) + ".")
    if lost_hidden:  # this text is shown to students: say how many, not which
        output.append(f"{len(lost_hidden)} hidden item(s) lost points.")
    output += [f"Note: {note}" for note in grade.notes]
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
                "name": f"{item.id}: {item.description}",
                "number": item.number,
                "score": number(item.points),
                "max_score": number(item.max_points),
                "status": "passed" if item.passed else "failed",
                "output": item.feedback(),
                "visibility": item.visibility,
                "tags": [item.area],
            }
            for item in grade.items
        ],
    }


def write_results_json(grade: Grade, path, execution_time: float) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results_dict(grade, execution_time), indent=2) + "\n", encoding="utf-8")

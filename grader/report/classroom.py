"""GitHub Classroom: turn a results.json into what its autograding reporter and the job summary show.

    python -m grader classroom results.json

In a GitHub Actions step with an `id`, this writes `result=<base64 JSON>` to
$GITHUB_OUTPUT (the payload classroom-resources/autograding-grading-reporter reads
from the environment variable <ID>_RESULTS) and the grade table, with the feedback of
every lost item, to $GITHUB_STEP_SUMMARY. Without those variables it prints both.
"""
from __future__ import annotations

import base64
import json
import os
from pathlib import Path

from grader.grade import number
from grader.report.results_json import EXTRA_TAG


def extra_credit(test: dict) -> bool:
    return EXTRA_TAG in test.get("tags", ())


def not_attempted(test: dict) -> bool:
    """An item of an extra-credit area left as the stubs: it costs nothing, and is no failure to explain."""
    return bool(test.get("extra_data", {}).get("not_attempted"))


def part_score(results: dict) -> float:
    """The points earned on the items that are part of the total (results.json's score counts extra credit too)."""
    return sum(test["score"] for test in results["tests"] if not extra_credit(test))


def reporter_payload(results: dict) -> dict:
    """The reporter's format: version 1, a status, max_score, and one test per rubric item.

    The reporter sends GitHub Classroom the sum of the tests' scores out of `max_score`:
    `max_score` is the total without extra credit, and the extra-credit tests carry what they
    earned, so that extra credit comes on top ("Points 104/100"), as on Gradescope.
    """
    tests = [
        {
            "name": test["name"],
            "status": "pass" if test["status"] == "passed" else "fail",
            "score": test["score"],
            "message": test.get("output", ""),
            "line_no": 0,
            "execution_time": "0s",
        }
        for test in results["tests"]
    ]
    complete = part_score(results) >= results["max_score"]
    return {"version": 1, "status": "pass" if complete else "fail", "max_score": results["max_score"],
            "tests": tests}


def summary_markdown(results: dict) -> str:
    extra = [test for test in results["tests"] if extra_credit(test)]
    grade = f"{number(part_score(results))} / {results['max_score']} points"
    if extra:
        grade += (f", + {number(sum(t['score'] for t in extra))} / {number(sum(t['max_score'] for t in extra))} "
                  "extra credit")
    lines = [f"## Grade: {grade}", "",
             "| # | item | points |", "|---|---|---:|"]
    for test in results["tests"]:
        mark = "✅" if test["status"] == "passed" else "➖" if not_attempted(test) else "❌"
        lines.append(f"| {test['number']} | {mark} {test['name']} | {test['score']} / {test['max_score']} |")
    lost = [test for test in results["tests"] if test["status"] != "passed" and not not_attempted(test)]
    if lost:
        lines += ["", "### Where the points went", ""]
        for test in lost:
            lines += [f"**{test['number']} {test['name']}**", "", "```", test.get("output", "").strip(), "```", ""]
    if results.get("output"):
        lines += ["", "```", results["output"].strip(), "```"]
    return "\n".join(lines) + "\n"


def publish(results_path, environ=os.environ) -> dict:
    results = json.loads(Path(results_path).read_text(encoding="utf-8"))
    payload = reporter_payload(results)
    encoded = base64.b64encode(json.dumps(payload).encode("utf-8")).decode("ascii")
    summary = summary_markdown(results)
    if environ.get("GITHUB_OUTPUT"):
        with open(environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as handle:
            handle.write(f"result={encoded}\n")
    else:
        print(f"result={encoded}")
    if environ.get("GITHUB_STEP_SUMMARY"):
        with open(environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as handle:
            handle.write(summary)
    else:
        print(summary)
    return payload

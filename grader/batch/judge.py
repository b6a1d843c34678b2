"""Judging what a sandboxed worker reported: its facts into a Grade, and a status with its reason.

This runs in the trusted process, against the reference profile. Areas the worker never
reported (it was killed, timed out, ran out of memory, or tampered with the grader) cost
their points with the reason, so that no item silently drops out of the total.
"""
from __future__ import annotations

import dataclasses

from grader.areas import area_from_data
from grader.batch.sandbox import Limits, Outcome
from grader.facts import Failure
from grader.grade import Grade
from grader.grading import judge as judge_facts
from grader.profile import profile_facts
from grader.questions import asked, secret

STATUSES = ("graded", "import-error", "timeout", "out-of-memory", "crashed", "tampered", "inconsistent",
            "unreadable")


def judge(outcome: Outcome, rubric, limits: Limits, asking: tuple[int | None, int | None] = (None, None)
          ) -> tuple[Grade, str, str]:
    """Verdicts on what the worker reported, its status and the reason for it.

    `asking`: the seeds of the grading's questions and held-out images (grader.questions): the
    reference's answers to them are made here, and the worker's answers checked against them.
    """
    missing = _missing_reason(outcome, limits)
    facts = {}
    for key in rubric.graded_areas:  # the areas the worker was asked for (Workers)
        data = None if outcome.tampered else outcome.areas.get(key)
        facts[key] = area_from_data(key, data) if data is not None else missing
    ask, held = asking
    grade = judge_facts(rubric, facts, reference=profile_facts, questions=asked(ask, held), secret=secret(held))
    status, reason = _status(outcome, grade, missing, rubric.graded_areas)
    return grade, status, reason


def unreadable_grade(rubric, reason: str) -> Grade:
    """Every item lost, for a submission that could not be read (or judged) at all."""
    failure = Failure(kind="missing", where="the submission", summary=reason)
    return judge_facts(rubric, {key: failure for key in rubric.graded_areas}, reference=lambda key: None)


def ended(outcome: Outcome) -> str:
    """How the worker's process ended, in words."""
    if (outcome.exit_code or 0) >= 0:
        return f"the process ended with exit code {outcome.exit_code}"
    return f"the process was killed by signal {-outcome.exit_code}"


def _missing_reason(outcome: Outcome, limits: Limits) -> Failure:
    if outcome.tampered:
        return Failure(kind="tampered", where="your code",
                       summary="changed the grader's own code while it was being graded ("
                               + ", ".join(outcome.tampered) + "); no part of it can be trusted")
    if outcome.ended in ("timeout", "cpu"):
        return Failure(kind="timeout", where="the grading of this submission",
                       summary=f"took longer than {limits.wall_seconds:g} s and was stopped")
    if outcome.ended == "out-of-memory":
        return Failure(kind="out_of_memory", where="your code",
                       summary=f"used more than {limits.memory_mb} MB of memory and was stopped")
    if outcome.ended == "too-much":
        return Failure(kind="killed", where="your code",
                       summary=f"wrote too much: {outcome.too_much} (an honest grading sends well under 1 MiB), "
                               "so it was stopped")
    if outcome.ended == "grader-error":
        return Failure(kind="crashed", where="this submission",
                       summary=f"the grader could not start its sandbox ({outcome.log[:300]})")
    return Failure(kind="killed", where="your code", summary=f"{ended(outcome)} before this part was graded "
                                                             "(does your code call os._exit or exit at import?)")


def _status(outcome: Outcome, grade: Grade, missing: Failure, areas: tuple[str, ...]) -> tuple[str, str]:
    if outcome.tampered:
        return "tampered", missing.explain()
    if grade.inconsistent:
        return "inconsistent", grade.inconsistent
    if not outcome.finished or outcome.ended == "too-much":
        status = {"timeout": "timeout", "cpu": "timeout", "out-of-memory": "out-of-memory"}.get(outcome.ended, "crashed")
        done = [key for key in areas if key in outcome.areas]
        before = f" (graded before that: {', '.join(done)})" if done else ""
        return status, f"{missing.explain()}{before}"
    for kind, status in (("tampered", "tampered"), ("killed", "crashed")):
        for facts in grade.facts.values():
            for failure in _failures(facts):
                if failure.kind == kind:
                    return status, failure.explain()
    for facts in grade.facts.values():
        failure = facts if isinstance(facts, Failure) else getattr(facts, "failure", None)
        if isinstance(failure, Failure) and failure.kind in ("import_error", "exited"):
            return "import-error", failure.explain()
    return "graded", ""


def _failures(facts):
    """The Failures in an area's facts: the area's own, and those of single calls (summarize, fit, ...)."""
    if isinstance(facts, Failure):
        yield facts
        return
    for field_ in dataclasses.fields(facts) if dataclasses.is_dataclass(facts) else ():
        value = getattr(facts, field_.name)
        if isinstance(value, Failure):
            yield value

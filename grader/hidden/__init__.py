"""Instructor-only checks: the hidden rubric items and the verdicts that judge them.

Nothing outside this folder refers to it but the grading loop (`grader.grading`), which
imports it where it exists; `grader export-student` and the sandbox leave the folder out.
"""
from grader.hidden import verdicts as _verdicts  # noqa: F401

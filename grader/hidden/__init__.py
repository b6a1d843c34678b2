"""Instructor-only checks: the hidden rubric items and the verdicts that judge them.

Nothing outside this folder refers to it by name except the import that registers
its verdicts, which tolerates its absence; `grader export-student` and the sandbox
leave the folder out.
"""
from grader.hidden import verdicts as _verdicts  # noqa: F401

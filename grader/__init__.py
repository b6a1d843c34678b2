"""The autograder for the cats-vs-dogs callbacks assignment.

Probes run student code and return facts; verdicts judge facts against the
reference's facts; reports render the verdicts (README, "How the grader works").
"""

GRADER_VERSION = "0.1.0"


def check(area: str | None = None, **options):
    """Grade this notebook from one of its cells: `from grader import check; check()` (grader/check.py)."""
    from grader.check import check as grade_notebook

    return grade_notebook(area, **options)

"""Verdicts on the hidden items (see rubric.toml here): pure functions of the public facts."""
from __future__ import annotations

from grader.facts import DataFacts
from grader.grade import Judgement
from grader.verdicts import could_not_run, verdict


@verdict("data.reshuffled")
def verdict_reshuffled(student: DataFacts, reference: DataFacts) -> Judgement:
    expected = "the training set in a different order on each pass (each epoch)"
    if student.failure:
        return could_not_run(student.failure, expected)
    first, second = (list(order) for order in student.train_orders)
    shown = ", ".join(str(i) for i in first[:8])
    if first != second:
        return Judgement(True, expected, "a new order on the second pass")
    return Judgement(False, expected, f"the same order on both passes ({shown}, …)")

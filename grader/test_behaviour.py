"""Rubric area 2: the callbacks acting in real training runs (one test per rubric item)."""
from grader.conftest import rubric_items


@rubric_items("behaviour")
def test_callbacks_in_training(item_id, grading):
    session, scratch = grading
    session.check(item_id, scratch)

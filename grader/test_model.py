"""Rubric area 4: the model (one test per rubric item)."""
from grader.conftest import rubric_items


@rubric_items("model")
def test_model(item_id, grading):
    session, scratch = grading
    session.check(item_id, scratch)

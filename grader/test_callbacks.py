"""Rubric area 1: the callback configuration (one test per rubric item)."""
from grader.conftest import rubric_items


@rubric_items("callbacks")
def test_callback_configuration(item_id, grading):
    session, scratch = grading
    session.check(item_id, scratch)

"""Rubric area 3: the callbacks against the reference's on generated histories (one test per item)."""
from grader.conftest import rubric_items


@rubric_items("property")
def test_callbacks_against_reference(item_id, grading):
    session, scratch = grading
    session.check(item_id, scratch)

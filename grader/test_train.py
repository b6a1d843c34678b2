"""Rubric area 6: train() and summarize() (one test per rubric item)."""
from grader.conftest import rubric_items


@rubric_items("train")
def test_training_and_analysis(item_id, grading):
    session, scratch = grading
    session.check(item_id, scratch)

"""Rubric area 5: the data pipeline, offline under tfds.testing.mock_data (one test per rubric item)."""
from grader.conftest import rubric_items


@rubric_items("data")
def test_data_pipeline(item_id, grading):
    session, scratch = grading
    session.check(item_id, scratch)

"""The pytest face of the grader: one test per rubric item, in rubric order.

`conftest.py` (beside this file) gives each test its item: the first item of an area
probes that area once, and every item is then judged from those facts. `pytest grader -m
model` (or `-k`) grades one area.
"""


def test_item(item_id, grading):
    session, scratch = grading
    session.check(item_id, scratch)

"""Hostile: replaces the grader's probe with one that answers with the reference's own facts."""
import grader.grading

_reference = grader.grading.reference_facts


def _forged_probe(area, submission, scratch):
    return _reference(area)


grader.grading.probe_area = _forged_probe


def build_model(input_shape=(150, 150, 3)):
    raise NotImplementedError("build_model: build and compile the CNN")

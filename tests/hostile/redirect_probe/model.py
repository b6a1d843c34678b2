"""Hostile: rewrites the table of areas so that the model, data and train areas are "probed" by a
function that answers the reference's facts from the public profile (no function of the grader is
replaced: only the table's entries, and one Area's field in place)."""
import dataclasses

import grader.areas
import grader.facts
import grader.profile


def _answer(submission, scratch, *references):
    import inspect

    area = inspect.stack()[1].frame.f_locals.get("key", "model")
    return grader.profile.profile_facts(area)


grader.facts.answer_from_profile = _answer
for _key in ("model", "data"):
    grader.areas.BY_KEY[_key] = dataclasses.replace(grader.areas.BY_KEY[_key], probe="grader.facts:answer_from_profile")
object.__setattr__(grader.areas.BY_KEY["train"], "probe", "grader.facts:answer_from_profile")


def build_model(input_shape=(150, 150, 3)):
    raise NotImplementedError("build_model: build and compile the CNN")

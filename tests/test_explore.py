"""The explore step (issue 21): StopAtTarget, warmup and the logging callbacks, graded by what they do.

Each folder of tests/explore/ is an explore.py modelled on public code, with the items a TA takes
off written down before the grader for the step existed (tests/explore/README.md). They are
graded on the explore area alone (the other modules are the reference's, whose every other item
the fixture tests already grade), so the corpus costs seconds, not a full grading each.
"""
from __future__ import annotations

import functools
import re
import shutil
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.grading import grade_submission
from tests.conftest import REFERENCE, REPOSITORY, fixture_names

EXPLORE = Path(__file__).resolve().parent / "explore"


def hand_grades() -> dict[str, set[str]]:
    """The dict literal at the end of tests/explore/README.md: fixture -> items a TA takes off."""
    text = (EXPLORE / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```python\n(EXPLORE_CASES = \{.*?\n\})\n```", text, re.S).group(1)
    scope: dict = {}
    exec(block, scope)  # noqa: S102  our own README's literal
    return scope["EXPLORE_CASES"]


def explore_submission(name: str, destination: Path) -> Path:
    """The reference's modules, with this folder's explore.py over the reference's."""
    target = destination / name / "assignment"
    target.mkdir(parents=True)
    for module in REFERENCE.glob("*.py"):
        shutil.copy(module, target / module.name)
    shutil.copy(EXPLORE / name / "explore.py", target / "explore.py")
    return target.parent


def explore_lost(grade) -> set[str]:
    return {item.id for item in grade.items if item.area == "explore" and not item.passed}


def test_every_folder_is_hand_graded():
    assert set(fixture_names(EXPLORE)) == set(hand_grades())
    assert any(not lost for lost in hand_grades().values()) and all(
        lost <= {"explore.stop_at_target", "explore.missing_metric", "explore.any_position", "explore.warmup_rates",
                 "explore.warmup_keeps_drops", "explore.csv_log", "explore.tensorboard"}
        for lost in hand_grades().values())


@pytest.mark.parametrize("name", fixture_names(EXPLORE))
def test_explore_submission_loses_exactly_its_hand_graded_items(name, tmp_path):
    grade = grade_submission(explore_submission(name, tmp_path), areas=("explore",))
    lost = explore_lost(grade)
    shown = "\n".join(f"{item.id}: {item.feedback()}" for item in grade.items if item.id in lost ^ hand_grades()[name])
    assert lost == hand_grades()[name], shown


@pytest.mark.determinism
@pytest.mark.parametrize("name", fixture_names(EXPLORE))
def test_explore_submission_on_secret_questions_loses_exactly_its_hand_graded_items(name, tmp_path):
    """In batch the step is asked questions of the grading's own seed, answered outside by the
    assignment's definitions (grader.expected): each fixture still loses exactly what the TA takes off."""
    from grader.questions import grading_seed

    seeds = grading_seed(20261130, name, "ask"), grading_seed(20261130, name, "held-out")
    grade = grade_submission(explore_submission(name, tmp_path), areas=("explore",), asking=seeds)
    assert grade.inconsistent is None, grade.inconsistent
    lost = explore_lost(grade)
    shown = "\n".join(f"{item.id}: {item.feedback()}" for item in grade.items if item.id in lost ^ hand_grades()[name])
    assert lost == hand_grades()[name], shown


@pytest.mark.parametrize("seed", [11, 2**62 + 7])
def test_the_reference_s_answers_to_secret_questions_are_those_made_outside(seed, tmp_path):
    """The reference's explore.py, asked a seed's questions in the worker's place, answers what
    grader.expected works out without it: every item of the step passes, nothing is inconsistent."""
    from grader.profile import profile_facts
    from grader.questions import asked

    grade = grade_submission(REFERENCE, areas=("explore",), asking=(seed, seed + 1))
    assert grade.inconsistent is None
    assert all(item.passed for item in grade.items if item.area == "explore"), [
        item.feedback() for item in grade.items if not item.passed]
    facts = grade.facts["explore"]
    public = profile_facts("explore")
    assert facts.asked == asked(seed, seed + 1).digest
    assert facts.stop_answers != public.stop_answers and facts.rates != public.rates  # other questions


def test_the_reference_earns_the_whole_step_and_the_stubs_none(graded):
    reference, stubs = graded("reference"), graded("stubs")
    explore = [item for item in reference.items if item.area == "explore"]
    assert explore and all(item.passed for item in explore)
    untouched = [item for item in stubs.items if item.area == "explore"]
    assert untouched and not any(item.passed for item in untouched)
    assert all(item.points == 0 for item in untouched)


def test_a_submission_without_explore_py_loses_only_the_step(tmp_path):
    folder = explore_submission("correct_explore_mode_auto", tmp_path)
    (folder / "assignment" / "explore.py").unlink()
    grade = grade_submission(folder, areas=("explore", "train"))
    assert explore_lost(grade) == {item.id for item in grade.items if item.area == "explore"}
    assert all(item.passed for item in grade.items if item.area == "train")
    assert "explore.py" in next(item for item in grade.items if item.area == "explore").found


# ---- the definitions the searches compare with are the reference's

sys.path.insert(0, str(REPOSITORY))
from reference import explore as reference_explore  # noqa: E402

from grader.probes.explore import stop_epoch, warmup_rate  # noqa: E402

@functools.cache
def _tiny_model():
    import keras

    return keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])


LEVELS = st.sampled_from((0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95))


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(monitor=st.sampled_from(("val_accuracy", "val_loss", "loss", "accuracy")), target=LEVELS,
       values=st.lists(LEVELS, min_size=1, max_size=12))
def test_stop_epoch_is_the_reference_s_stop_at_target(monitor, target, values):
    callback = reference_explore.StopAtTarget(monitor=monitor, target=target)
    model = _tiny_model()
    callback.set_model(model)
    model.stop_training = False
    stopped = None
    for epoch, value in enumerate(values):
        callback.on_epoch_end(epoch, {monitor: value})
        if model.stop_training:
            stopped = epoch + 1
            break
    assert stopped == stop_epoch(monitor, target, values)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(epoch=st.integers(0, 50), lr=st.floats(1e-7, 1.0))
def test_warmup_rate_is_the_reference_s_warmup(epoch, lr):
    assert warmup_rate(epoch, lr) == reference_explore.warmup(epoch, lr)


def test_python_m_assignment_adds_the_explore_callbacks_once_written(tmp_path, monkeypatch):
    """`python -m assignment` trains with the three and, once written, the explore step's callbacks."""
    folder = tmp_path / "copy"
    shutil.copytree(REPOSITORY / "assignment", folder / "assignment")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(folder))
    for name in [name for name in sys.modules if name == "assignment" or name.startswith("assignment.")]:
        monkeypatch.delitem(sys.modules, name)
    from assignment.__main__ import explore_callbacks

    assert explore_callbacks() == []  # the stubs: the three alone
    shutil.copy(REFERENCE / "explore.py", folder / "assignment" / "explore.py")
    monkeypatch.delitem(sys.modules, "assignment.explore")
    monkeypatch.delattr(sys.modules["assignment"], "explore")  # imported afresh, from the new file
    assert [type(cb).__name__ for cb in explore_callbacks()] == [
        "LearningRateScheduler", "StopAtTarget", "CSVLogger", "TensorBoard"]

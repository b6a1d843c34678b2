"""Submissions modelled on real public code, graded in process against their hand grades.

Each folder of tests/wild/ is a complete submission (the four modules) with a HAND.toml:
the rubric items a TA following SPEC.md takes off, and why. The hand grades were
committed before the grader first ran on the corpus (see tests/wild/README.md); this test
says where the grader and the TA disagree, item by item.
"""
from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from grader.areas import AREA_KEYS
from grader.grading import grade_submission
from grader.rubric import load_rubric
from tests.conftest import fixture_names

WILD = Path(__file__).resolve().parent / "wild"
MODULES = ("callbacks.py", "data.py", "model.py", "train.py")
RUBRIC = load_rubric()
GRADED = frozenset(item.id for item in RUBRIC.items if item.area in AREA_KEYS)


def hand_grade(name: str) -> dict:
    return tomllib.loads((WILD / name / "HAND.toml").read_text(encoding="utf-8"))


def materialize_wild(name: str, destination: Path) -> Path:
    """The folder's four modules as a submission: destination/name/assignment/*.py."""
    target = destination / name / "assignment"
    target.mkdir(parents=True)
    for module in MODULES:
        shutil.copy(WILD / name / module, target / module)
    return target.parent


def test_every_wild_folder_is_complete_and_hand_graded():
    names = fixture_names(WILD)
    assert len(names) >= 11
    for name in names:
        for module in MODULES + ("HAND.toml", "SOURCE.md"):
            assert (WILD / name / module).is_file(), f"{name} has no {module}"
        hand = hand_grade(name)
        assert hand["ta"].strip(), f"{name}: HAND.toml has no ta judgement"
        unknown = set(hand["lost"]) - GRADED
        assert not unknown, f"{name}: HAND.toml names items the rubric does not grade: {sorted(unknown)}"


def disagreement(name: str, hand: dict, grade) -> str:
    """Each item where the grader and the hand grade differ: the hand reason and the grader's feedback."""
    results = {item.id: item for item in grade.items}
    lost_by_grader, lost_by_hand = grade.lost(), set(hand["lost"])
    lines = [f"{name}: the grader and the hand grade disagree"]
    for item_id in sorted(lost_by_grader ^ lost_by_hand):
        if item_id in lost_by_hand:
            lines.append(f"\n* {item_id}: hand takes it off ({hand['lost'][item_id]}); the grader gives full points")
        else:
            lines.append(f"\n* {item_id}: the grader takes it off; the hand grade gives full points")
            lines.append("  " + results[item_id].feedback().replace("\n", "\n  "))
    lines.append(f"\nTA: {hand['ta']}")
    return "\n".join(lines)


@pytest.mark.parametrize("name", fixture_names(WILD))
def test_wild_submission_loses_exactly_its_hand_graded_items(name, tmp_path):
    hand = hand_grade(name)
    grade = grade_submission(materialize_wild(name, tmp_path))
    assert {item.id for item in grade.items} == GRADED
    assert grade.lost() == set(hand["lost"]), disagreement(name, hand, grade)


@pytest.mark.determinism
@pytest.mark.parametrize("name", fixture_names(WILD))
def test_wild_submission_on_secret_questions_loses_exactly_its_hand_graded_items(name, tmp_path):
    """Issue 19: real code meets a batch's secret questions (a seed of its own: another plateau, other
    histories, other held-out images) and must still lose what the TA takes off, and nothing else."""
    from grader.questions import grading_seed

    hand = hand_grade(name)
    seeds = grading_seed(20261201, name, "ask"), grading_seed(20261201, name, "held-out")
    grade = grade_submission(materialize_wild(name, tmp_path), asking=seeds)
    assert grade.inconsistent is None, grade.inconsistent
    assert grade.lost() == set(hand["lost"]), disagreement(name, hand, grade)

"""Forged facts: a worker's answers must not be taken on trust (expected to fail until the redesign).

`grader batch` runs student code inside the worker that reports the facts, and judges those
facts against grader/profile.json, which students can read. Three hostile fixtures
(tests/hostile/README.md) turn that into full marks from an untouched stub:

- forge_token_from_frames: finds the one-time token in the worker's own frames and sends,
  on the facts channel and before the worker's own lines, facts built from the profile;
- forge_json_encoder: no token needed: replaces `json._default_encoder`, so that the
  worker's own lines (its token included) carry those facts;
- forge_perfect: every area, every answer the profile records on the public inputs, by
  both channels.

On the design of today (the worker's facts judged as they are), each scores 100 where the
untouched stub scores 0, so this test FAILS, on purpose: it is the acceptance test of the
redesign in which the worker's answers are checked against questions it cannot see (the
held-back, secret ones), so that copying the public profile earns nothing. It then passes
when no forger scores above the stub, each with a status and a reason a teacher can read.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from grader.batch.judge import STATUSES
from tests.conftest import FORGERS, REPOSITORY, materialize, rows

# Graded in the same batch, on the same secret questions: a correct subclassed callback keeps its
# points, and a mistake is caught, as on the public questions.
HONEST = ("correct_subclassed_early_stopping", "mistake_early_stopping_patience_10")

# `pytest tests -n 2`: every batch test on one worker (see tests/conftest.py)
pytestmark = pytest.mark.xdist_group("batch")


@pytest.fixture(scope="module")
def graded_rows(tmp_path_factory):
    """One `grader batch` of the three forgers and the untouched stubs: their gradebook rows."""
    root = tmp_path_factory.mktemp("forgery")
    for name in (*FORGERS, "stubs", *HONEST):
        materialize(name, root / "class")
    done = subprocess.run([sys.executable, "-m", "grader", "batch", root / "class", "--out", root / "results",
                           "-j", "2"], cwd=REPOSITORY, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    found = rows(root / "results")
    assert set(found) == {*FORGERS, "stubs", *HONEST}, sorted(found)
    assert found["stubs"]["status"] == "graded", found["stubs"]["reason"]
    return found


@pytest.mark.parametrize("name", FORGERS)
def test_forged_facts_earn_no_more_than_the_untouched_stub(graded_rows, name):
    row, stubs = graded_rows[name], graded_rows["stubs"]
    forged = [line for line in row["log"].splitlines() if line.startswith("forger:")]
    assert row["score"] <= stubs["score"], (
        f"{name} scored {row['score']:g} (the stub {stubs['score']:g}), status {row['status']}; "
        f"what it said it did: {forged[:3]}")


@pytest.mark.parametrize("name", FORGERS)
def test_a_forgers_status_and_reason_are_readable(graded_rows, name):
    status, reason = graded_rows[name]["status"], graded_rows[name]["reason"]
    assert status in STATUSES, status
    assert isinstance(reason, str) and reason.isprintable() and len(reason) < 2000, repr(reason)
    assert status == "graded" or reason.strip(), f"{name}: status {status} without a reason"


def test_honest_submissions_earn_on_secret_questions_what_they_earn_on_the_public_ones(graded_rows, graded):
    for name in HONEST:
        row = graded_rows[name]
        assert row["status"] == "graded", (name, row["reason"])
        assert row["seed"] and row["seed"] == graded_rows["stubs"]["seed"]  # one secret seed for the batch
        assert row["score"] == graded(name).score, (name, row["score"], graded(name).score)
    assert graded_rows["correct_subclassed_early_stopping"]["score"] == 110  # with the explore step's extra 10


def test_the_same_seed_grades_a_submission_again_byte_for_byte(graded_rows, tmp_path):
    """`--seed` with a row's seed asks the same questions: the same results.json, item by item."""
    for name in HONEST:
        materialize(name, tmp_path / "class")
    seed = graded_rows[HONEST[0]]["seed"]
    done = subprocess.run([sys.executable, "-m", "grader", "batch", tmp_path / "class", "--out", tmp_path / "again",
                           "-j", "2", "--seed", seed], cwd=REPOSITORY, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    again = rows(tmp_path / "again")
    for name in HONEST:
        first = json.loads(graded_rows[name]["results_json"])
        second = json.loads(again[name]["results_json"])
        for run in (first, second):
            run.pop("execution_time", None)
        assert second == first, name
        assert again[name]["seed"] == seed

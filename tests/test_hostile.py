"""Hostile submissions graded in the student's own process (pytest grader): nothing earns points.

The batch sandbox's side of the same attacks is in test_batch.py; here the grader and
the attack share one process, so what protects the grade is the guard around every
call into student code and the facts' JSON round trip.
"""
from __future__ import annotations

import builtins
import json
import os
import subprocess
import sys

import keras
import pytest

from grader.grading import grade_submission
from tests.conftest import REPOSITORY, materialize

# fixture -> a phrase its feedback must contain (each laid over the stubs: every point would be forged)
IN_PROCESS = {
    "exit_in_functions": "called os._exit(0)",
    "patch_isinstance": "replaced builtins.isinstance (the grader put it back)",
    "patch_keras": "the grader put it back",
    "always_equal": "[Pretender, Pretender, Pretender]: no ModelCheckpoint",
    "read_profile": "on this history",
}


@pytest.mark.parametrize("name", sorted(IN_PROCESS))
def test_hostile_code_in_the_graders_process_earns_nothing(name, tmp_path):
    genuine = (builtins.isinstance, keras.callbacks.EarlyStopping, keras.Model.fit)
    grade = grade_submission(materialize(name, tmp_path))
    text = "\n".join(item.feedback() for item in grade.items)
    assert grade.score == 0, [item.id for item in grade.items if item.passed]
    assert IN_PROCESS[name] in " ".join(text.split()), text[:3000]
    assert (builtins.isinstance, keras.callbacks.EarlyStopping, keras.Model.fit) == genuine


def test_threads_left_running_do_not_keep_pytest_grader_from_ending(tmp_path):
    submission = materialize("thread_left_running", tmp_path)
    work = tmp_path / "work"  # where the student's forger thread writes its results.json
    work.mkdir()
    done = subprocess.run([sys.executable, "-m", "pytest", str(REPOSITORY / "grader"), "--submission", str(submission),
                           "-q", "-p", "no:cacheprovider", "--grader-json", str(tmp_path / "results.json")],
                          cwd=work, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "GRADER_REFERENCE": "profile"})
    shown = " ".join(done.stdout.split())
    assert "0 / 100" in shown and "'sleeper'" in shown and "stopped them" in shown, done.stdout[-3000:]
    assert done.returncode == 1
    assert json.loads((tmp_path / "results.json").read_text())["score"] == 0

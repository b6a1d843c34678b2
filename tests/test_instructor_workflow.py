"""The instructor's workflow: edit reference/, run `grader profile`, and the grading follows.

In a copy of this repository, EarlyStopping's patience goes from 5 to 10 in the
reference. `grader profile --check` notices; `grader profile` records the change; then
the unedited grader (its test files and verdicts untouched), reading only the profile,
expects patience 10: the old reference now loses the patience items, and the fixture
that used patience 10 gets them all.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from grader.rubric import load_rubric
from tests.conftest import REPOSITORY

RUBRIC = load_rubric()

STOP_ITEMS = {"early_stopping.patience", "behaviour.stop_epoch", "property.early_stopping"}
COPIED = ("grader", "reference", "assignment", "pyproject.toml")


def run(folder, *args, **env):
    environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GRADER_REFERENCE")}
    return subprocess.run([sys.executable, *args], cwd=folder, env={**environment, **env},
                          capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_changing_the_reference_and_running_grader_profile_changes_what_is_expected(tmp_path, submission_path):
    copy = tmp_path / "course"
    copy.mkdir()
    for name in COPIED:
        source = REPOSITORY / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, copy / name)
    callbacks = copy / "reference" / "callbacks.py"
    text = callbacks.read_text()
    assert text.count("patience=5") == 1
    callbacks.write_text(text.replace("patience=5", "patience=10"))

    check = run(copy, "-m", "grader", "profile", "--check")
    assert check.returncode == 1
    assert "reference/callbacks.py has changed" in check.stderr and "Run `grader profile`" in check.stderr

    made = run(copy, "-m", "grader", "profile")
    assert made.returncode == 0, made.stderr[-2000:]
    assert "config.patience is 10 now, 5 in the profile" in made.stdout

    def lost(submission):
        results = tmp_path / f"{submission.name}.json"
        run(copy, "-m", "pytest", "grader", f"--submission={submission}", f"--grader-json={results}",
            "-p", "no:cacheprovider", "-q", "-m", "callbacks or behaviour or property",
            GRADER_REFERENCE="profile")
        data = json.loads(results.read_text())
        assert len(data["tests"]) == sum(len(RUBRIC.in_area(a)) for a in ("callbacks", "behaviour", "property"))
        return {test["name"].split(":")[0] for test in data["tests"] if test["status"] == "failed"}

    assert lost(submission_path("reference")) == STOP_ITEMS
    assert lost(submission_path("mistake_early_stopping_patience_10")) == set()

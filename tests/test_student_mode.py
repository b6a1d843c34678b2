"""`pytest grader --submission PATH` on a submission that brings pytest files and library names of its own.

A submission's conftest.py, __init__.py and pytest.ini are the student's files, not the
grader's: none may load as part of pytest, none may change the run, and student code
writes only in the run's scratch folder (issue 18).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import REFERENCE, REPOSITORY

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

LEAKS = ("conftest-ran.txt", "init-ran.txt", "leak-import.txt", "leak-call.txt")


def hostile_submission(folder: Path, marker: Path) -> Path:
    """The reference's modules, flat, with a conftest.py, __init__.py, pytest.ini and keras.py of the student's."""
    folder.mkdir(parents=True)
    for module in REFERENCE.glob("*.py"):
        shutil.copy(module, folder / module.name)
    (folder / "conftest.py").write_text(textwrap.dedent(f"""
        open({str(marker)!r}, "w").write("the submission's conftest.py ran")
        open("conftest-ran.txt", "w").write("x")
        raise RuntimeError("the submission's conftest.py was loaded")
    """))
    (folder / "__init__.py").write_text('open("init-ran.txt", "w").write("x")\n')
    (folder / "pytest.ini").write_text("[pytest]\naddopts = --collect-only -p no:terminal --no-such-option\n")
    (folder / "keras.py").write_text('raise ImportError("the submission\'s keras.py, not Keras")\n')
    with (folder / "callbacks.py").open("a") as callbacks:
        callbacks.write(textwrap.dedent("""

            open("leak-import.txt", "w").write("x")
            _make_callbacks = make_callbacks


            def make_callbacks(*args, **kwargs):
                open("leak-call.txt", "w").write("x")
                return _make_callbacks(*args, **kwargs)
        """))
    return folder


def git_status() -> str:
    return subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=REPOSITORY,
                          capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("how", ["from the repository", "from the submission folder", "without the repository's config"])
def test_a_submissions_pytest_files_and_library_names_change_nothing(how, tmp_path):
    marker = tmp_path / "conftest-marker.txt"
    submission = hostile_submission(tmp_path / "alice", marker)
    base = tmp_path / "base"
    command = [sys.executable, "-m", "pytest", str(REPOSITORY / "grader"), "--submission",
               str(submission), "-m", "callbacks", "-p", "no:cacheprovider", f"--basetemp={base}"]
    cwd = REPOSITORY
    if how == "from the submission folder":  # its keras.py first on sys.path
        cwd, command[command.index(str(submission))] = submission, "."
    elif how == "without the repository's config":  # -p grader.options not loaded: the conftest's fallback
        (tmp_path / "empty.ini").write_text("[pytest]\n")
        command += ["-c", str(tmp_path / "empty.ini"), f"--rootdir={REPOSITORY}"]
    before = git_status()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("TF_", "PYTEST_"))},
           "GRADER_REFERENCE": "profile"}
    run = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=500)
    shown = " ".join(run.stdout.split())
    assert "Total: 25 / 25 points" in shown, run.stdout[-3000:] + run.stderr[-3000:]
    assert run.returncode == 0
    assert not marker.exists()
    assert "keras.py (named like the module keras, which" in shown and "Rename the file" in shown
    assert git_status() == before
    for folder in (REPOSITORY, submission, tmp_path):
        assert not [name for name in LEAKS if (folder / name).exists()], folder
    landed = {path.name for path in base.rglob("*.txt")}
    assert {"init-ran.txt", "leak-import.txt", "leak-call.txt"} <= landed  # in the run's scratch folder
    assert "conftest-ran.txt" not in landed


def test_with_the_option_first_a_submissions_pytest_ini_is_refused_by_name(tmp_path):
    """`pytest --submission PATH grader`: pytest picks PATH/pytest.ini before any plugin can say otherwise."""
    submission = tmp_path / "bob"
    submission.mkdir()
    for module in REFERENCE.glob("*.py"):
        shutil.copy(module, submission / module.name)
    (submission / "pytest.ini").write_text("[pytest]\naddopts = -k reduce_lr\n")
    run = subprocess.run([sys.executable, "-m", "pytest", "--submission", str(submission), "grader",
                          "-p", "no:cacheprovider", "--collect-only", "-q"],
                         cwd=REPOSITORY, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "GRADER_REFERENCE": "profile"})
    assert run.returncode == 4
    assert f"pytest loaded {submission / 'pytest.ini'}" in run.stderr and "--submission=PATH" in run.stderr

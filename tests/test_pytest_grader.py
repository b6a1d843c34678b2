"""`pytest grader` end to end, in a subprocess, as a student or CI runs it."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from grader.rubric import load_rubric
from tests.conftest import REPOSITORY

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

TENSORFLOW_NOISE = ("oneDNN", "cudart", "absl::InitializeLog", "cpu_feature_guard", "I0000")

# The explore step, extra credit, earned on top of the total by the reference's explore.py.
EXTRA = load_rubric().extra_points


def run_grader(*args, cwd=REPOSITORY, **extra_env):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "PYTEST_", "GRADER_"))} | extra_env
    return subprocess.run(
        [sys.executable, "-m", "pytest", "grader", "-p", "no:cacheprovider", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=500,
    )


def test_reference_gets_full_marks_three_times_with_identical_results(tmp_path):
    """Deterministic grading: the same results.json on every run (the run's duration aside), whether
    the reference's facts are probed from reference/ (the first run) or read from the profile, as a
    students' copy reads them (the two others)."""
    outputs = []
    for attempt, source in enumerate(("reference", "profile", "profile")):
        results = tmp_path / f"results-{attempt}.json"
        run = run_grader("--submission", "reference", "--grader-json", str(results), GRADER_REFERENCE=source)
        assert run.returncode == 0, run.stdout + run.stderr
        data = json.loads(results.read_text())
        assert data["score"] == data["max_score"] + EXTRA and data["max_score"] > 0  # the explore step on top
        assert all(test["status"] == "passed" for test in data["tests"])
        assert f"Total: {data['max_score']} / {data['max_score']} points, + {EXTRA} / {EXTRA} extra credit" in run.stdout
        del data["execution_time"]
        outputs.append(json.dumps(data, sort_keys=True))
    assert outputs[0] == outputs[1] == outputs[2]


def test_untouched_stubs_score_zero_without_traceback_or_noise(tmp_path):
    results = tmp_path / "results.json"
    run = run_grader("--grader-json", str(results))  # the default: ./assignment, the stubs
    assert run.returncode == 1
    data = json.loads(results.read_text())
    assert data["score"] == 0 and data["max_score"] > 0
    assert "not implemented yet" in run.stdout
    assert "Traceback" not in run.stdout + run.stderr
    assert not [noise for noise in TENSORFLOW_NOISE if noise in run.stdout + run.stderr]
    lines = [line for line in run.stdout.splitlines() if line.strip()]
    assert lines[-2].startswith("Total: 0 /")  # the total last, then only pytest's count


def test_broken_import_is_reported_and_the_run_completes(tmp_path, submission_path):
    results = tmp_path / "results.json"
    run = run_grader("--submission", str(submission_path("broken_syntax_error")), "--grader-json", str(results))
    assert run.returncode == 1
    assert "callbacks.py could not be imported: SyntaxError" in run.stdout
    # Only the areas that need callbacks.py pay for it: the model, data and train areas keep their points.
    rubric = load_rubric()
    untouched = sum(item.points for item in rubric.items if item.area in ("model", "data", "train", "explore"))
    assert json.loads(results.read_text())["score"] == untouched > 0


def test_partly_wrong_submission_scores_the_rest(tmp_path, submission_path):
    results = tmp_path / "results.json"
    run = run_grader("--submission", str(submission_path("mistake_val_acc")), "--grader-json", str(results),
                     "--junitxml", str(tmp_path / "junit.xml"), "--grader-report", str(tmp_path / "report.html"))
    assert run.returncode == 1  # not full marks
    data = json.loads(results.read_text())
    failed = [test["name"].split(":")[0] for test in data["tests"] if test["status"] == "failed"]
    assert failed == ["checkpoint.monitor", "behaviour.checkpoint_saves", "behaviour.checkpoint_file",
                      "property.checkpoint"]  # rubric order, whatever order pytest ran them in
    assert data["score"] == data["max_score"] - 2 - 5 - 5 - 5 + EXTRA
    assert (tmp_path / "junit.xml").read_text().count("<failure") == 4
    page = (tmp_path / "report.html").read_text()
    assert f"Total: {data['score'] - EXTRA} / {data['max_score']} points, + {EXTRA} / {EXTRA} extra credit" in page
    assert 'id="runs-plot"' in page and "data:image/png;base64," in page and "behaviour.checkpoint_saves" in page


def test_unknown_submission_path_is_a_clear_usage_error(tmp_path):
    run = run_grader("--submission", str(tmp_path / "nowhere"))
    assert run.returncode == 4
    assert "--submission:" in run.stderr and "is not a folder" in run.stderr


def test_grader_command_grades_a_folder(tmp_path):
    results = tmp_path / "results.json"
    run = subprocess.run(
        [sys.executable, "-m", "grader", "grade", "reference", "--grader-json", str(results)],
        cwd=REPOSITORY, capture_output=True, text=True, timeout=500,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    data = json.loads(results.read_text())
    assert data["score"] == data["max_score"] + EXTRA


def test_library_deprecation_warnings_are_filtered_and_the_graders_own_show(tmp_path):
    """Keras and NumPy's deprecation chatter (a thousand a run) must not bury a warning from the grader."""
    (tmp_path / "test_noise.py").write_text(
        "import warnings\n"
        "def test_warns():\n"
        "    for module in ('keras.src.backend.tensorflow.core', 'tensorflow.python.framework', 'numpy.core'):\n"
        "        warnings.warn_explicit('library chatter', DeprecationWarning, module + '.py', 1, module=module)\n"
        "    warnings.warn_explicit('the grader says', DeprecationWarning, 'grader/x.py', 1, module='grader.x')\n")
    done = subprocess.run([sys.executable, "-m", "pytest", "-c", str(REPOSITORY / "pyproject.toml"),
                           "--rootdir", str(tmp_path), "-p", "no:cacheprovider", str(tmp_path / "test_noise.py")],
                          capture_output=True, text=True, timeout=120)
    assert "1 passed, 1 warning" in done.stdout, done.stdout
    assert "the grader says" in done.stdout and "library chatter" not in done.stdout

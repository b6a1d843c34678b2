"""Reports: the HTML pages and their plots, GitHub Classroom's payload, the Gradescope bundle."""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.facts import BehaviourFacts, Failure
from grader.grade import Grade, ItemResult
from grader.gradescope import build_bundle
from grader.profile import profile_facts
from grader.report.classroom import publish
from grader.report.html import class_report, submission_report
from grader.report.results_json import results_dict
from grader.rubric import load_rubric
from tests.conftest import REFERENCE, STUBS
from tests.test_results_json import check_schema

RUBRIC = load_rubric()
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
SCREENSHOTS = Path(os.environ.get("GRADER_SCREENSHOTS", "/tmp/grader-screenshots"))


def item(item_id, passed, visibility="visible", points=2.0):
    return ItemResult(id=item_id, number="1.1", area="callbacks", description=f"what {item_id} checks",
                      points=points if passed else 0.0, max_points=points, passed=passed,
                      expected="patience = 5", found="patience = 3", hint="read the docs", detail="",
                      visibility=visibility)


def a_grade() -> Grade:
    """A grade whose training runs are the reference's own (replayed) events, one item lost, one hidden."""
    reference = profile_facts("behaviour")
    student = BehaviourFacts(scripted=reference.scripted, natural=reference.scripted)
    return Grade(items=[item("early_stopping.patience", False), item("checkpoint.monitor", True),
                        item("data.reshuffled", True, visibility="hidden", points=1.0)],
                 notes=["Your model outputs logits."], facts={"behaviour": student})


def png_in(page: str) -> bytes:
    match = re.search(r'id="runs-plot"[^>]*src="data:image/png;base64,([^"]+)"', page)
    assert match, "no embedded plot"
    return base64.b64decode(match.group(1))


def test_the_submission_report_holds_items_feedback_total_and_the_plot():
    page = submission_report(a_grade(), "Grade", profile_facts("behaviour"))
    assert "Total: 3 / 5 points" in page and "early_stopping.patience" in page
    assert "Expected" in page and "patience = 5" in page and "Your model outputs logits." in page
    assert png_in(page).startswith(b"\x89PNG") and len(png_in(page)) > 10_000
    assert "<script" not in page and "http" not in page.replace("http-equiv", "")  # nothing fetched
    student_page = submission_report(a_grade(), "Grade", profile_facts("behaviour"), student_view=True)
    assert "data.reshuffled" not in student_page and "1 of 1 points come from your instructor's hidden" in student_page


def test_a_submission_whose_callbacks_never_ran_gets_a_report_without_plot():
    grade = a_grade()
    grade.facts["behaviour"] = Failure(kind="not_implemented", where="make_callbacks()", summary="")
    page = submission_report(grade, "Grade")
    assert 'id="runs-plot"' not in page and "nothing to plot" in page


def test_the_class_report_ranks_items_by_how_many_earned_them():
    rows = [{"submission": f"s{i}", "score": float(i * 10), "max_score": 100.0, "status": "graded",
             "duration": float(i), "items": {"callbacks.types": i % 2, "data.request": 1}} for i in range(6)]
    page = class_report(rows, RUBRIC.items, title="CS 101")
    assert "6 submissions: mean 25.0, median 25 of 100" in page
    assert page.index("callbacks.types") < page.index("data.request")  # the hardest first
    assert page.count("data:image/png;base64,") == 2


def test_github_classroom_gets_its_payload_and_the_job_summary(tmp_path):
    results = tmp_path / "results.json"
    results.write_text(json.dumps(results_dict(a_grade(), 12.0)))
    env = {"GITHUB_OUTPUT": str(tmp_path / "out"), "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")}
    payload = publish(results, env)
    encoded = (tmp_path / "out").read_text().strip().removeprefix("result=")
    assert json.loads(base64.b64decode(encoded)) == payload
    assert payload["version"] == 1 and payload["status"] == "fail" and payload["max_score"] == 5
    assert [t["status"] for t in payload["tests"]] == ["fail", "pass", "pass"]
    assert sum(t["score"] for t in payload["tests"]) == 3
    summary = (tmp_path / "summary.md").read_text()
    assert summary.startswith("## Grade: 3 / 5 points") and "patience = 3" in summary


@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (.ci/run installs it)")
def test_the_report_renders_in_a_headless_browser(tmp_path):
    page = tmp_path / "report.html"
    page.write_text(submission_report(a_grade(), "Grade", profile_facts("behaviour")))
    # A profile folder of its own: never waiting on another Chromium's lock on the shared one.
    browser = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000",
               f"--user-data-dir={tmp_path / 'chromium'}"]
    dom = subprocess.run(browser + ["--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert 'data-runsplot="loaded"' in dom.stdout  # the plot image decoded and laid out
    assert "Total: 3 / 5 points" in dom.stdout
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / "submission-report.png"
    subprocess.run(browser + [f"--screenshot={shot}", "--window-size=1100,2000", page.as_uri()],
                   capture_output=True, timeout=120)
    assert shot.stat().st_size > 20_000
    print(f"screenshot: {shot}")


def unpack_bundle(tmp_path) -> Path:
    root = tmp_path / "autograder"
    with zipfile.ZipFile(build_bundle(tmp_path / "autograder.zip")) as archive:
        names = archive.namelist()
        assert {"setup.sh", "run_autograder", "source/pyproject.toml", "source/grader/profile.json",
                "source/grader/hidden/rubric.toml"} <= set(names)
        assert not [n for n in names if n.startswith("source/reference") or "__pycache__" in n]
        archive.extractall(root)
    for script in ("setup.sh", "run_autograder"):
        (root / script).chmod(0o755)
    assert "bubblewrap" in (root / "setup.sh").read_text()
    return root


@pytest.mark.slow
@pytest.mark.parametrize("source, full", [(REFERENCE, True), (STUBS, False)], ids=["reference", "stubs"])
def test_gradescope_run_autograder_writes_a_valid_results_json(tmp_path, source, full):
    root = unpack_bundle(tmp_path)
    (root / "submission").mkdir()
    for module in source.glob("*.py"):
        shutil.copy(module, root / "submission" / module.name)
    env = {**{k: v for k, v in os.environ.items() if k != "PYTHONPATH"}, "AUTOGRADER_ROOT": str(root),
           "AUTOGRADER_PYTHON": sys.executable}
    done = subprocess.run(["bash", str(root / "run_autograder")], env=env, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    data = json.loads((root / "results" / "results.json").read_text())
    check_schema(data)
    assert data["max_score"] == RUBRIC.max_points and len(data["tests"]) == len(RUBRIC.items)
    assert {t["visibility"] for t in data["tests"]} == {"visible", "hidden"}
    assert data["score"] == (data["max_score"] if full else 0)

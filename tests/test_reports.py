"""Reports: the HTML pages and their plots, GitHub Classroom's payload, the Gradescope bundle."""
from __future__ import annotations

import base64
import html
import json
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from grader.batch.sandbox import bubblewrap
from grader.facts import BehaviourFacts, Failure
from grader.grade import Grade, ItemResult
from grader.gradescope import build_bundle
from grader.profile import profile_facts
from grader.report.classroom import publish
from grader.report.html import class_report, submission_report
from grader.report.results_json import results_dict
from grader.rubric import load_rubric
from tests.conftest import CHROMIUM, REFERENCE, STUBS, in_chromium
from tests.test_batch_intake import deep_chain
from tests.test_results_json import check_schema

NOTEBOOK = Path(__file__).resolve().parent / "notebooks" / "colab_reference.ipynb"  # a Colab notebook, uploaded alone

RUBRIC = load_rubric()


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


def test_one_cause_costing_several_items_is_said_once_and_a_found_history_keeps_its_lines():
    unfinished = dict(found="make_callbacks() is not implemented yet", detail="", hint="Follow the TODOs")
    items = [replace(item(f"callbacks.item{n}", False), number=f"1.{n}", **unfinished) for n in range(1, 4)]
    history = "they disagree on this history (2 epochs):\n    epoch  1  2\n    val_loss  0.90  0.90"
    items.append(replace(item("property.checkpoint", False), number="3.1", found=history))
    page = submission_report(Grade(items=items), "Grade")
    assert page.count("is not implemented yet") == 1 and "3 items (1.1, 1.2, 1.3): 0 / 6" in page
    assert f"<dd>{html.escape(history)}</dd>" in page and "white-space: pre-wrap" in page.split("dd {")[1][:80]


def test_a_submission_whose_callbacks_never_ran_gets_a_report_without_plot():
    grade = a_grade()
    grade.facts["behaviour"] = Failure(kind="not_implemented", where="make_callbacks()", summary="")
    page = submission_report(grade, "Grade")
    assert 'id="runs-plot"' not in page and "nothing to plot" in page


def test_the_class_report_ranks_items_by_how_many_earned_them():
    rows = [{"submission": f"s{i}", "score": float(i * 10), "max_score": 100.0, "status": "graded",
             "duration": float(i), "items": {"callbacks.types": i % 2, "data.request": 1}} for i in range(6)]
    rows[0].update(submission="ann lee", status="import-error", reason="callbacks.py could not be imported")
    page = class_report(rows, RUBRIC.items, title="CS 101")
    assert "6 submissions: mean 25.0, median 25 of 100" in page
    ranked = page[page.index("<h2>Which items"):]
    assert ranked.index("callbacks.types") < ranked.index("data.request")  # the hardest first
    assert "<td>1.1</td><td>callbacks.types</td>" in ranked  # items by rubric number and id
    assert page.count("data:image/png;base64,") == 2
    # every submission, linked to its own report (ids made safe for a URL)
    assert ('<tr><td><a href="submissions/ann%20lee/report.html">ann lee</a></td><td class=points>0 / 100</td>'
            "<td>import-error</td><td>callbacks.py could not be imported</td></tr>") in page
    assert page.count('<a href="submissions/') == 6


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
    dom = in_chromium(page, tmp_path / "chromium", screenshot="submission-report.png")
    assert 'data-runsplot="loaded"' in dom  # the plot image decoded and laid out
    assert "Total: 3 / 5 points" in dom


GRADESCOPE_FILES = {"setup.sh", "run_autograder", "pyproject.toml", "grader/profile.json", "grader/hidden/rubric.toml",
                    "grader/hidden/held_back.json", "grader/hidden/verdicts.py"}


def as_gradescope(root: Path, command: str, timeout: float) -> subprocess.CompletedProcess:
    """Run `command` as Gradescope does: as root, with ROOT at /autograder (bubblewrap binds it there).

    Tests have no network, so two things differ from Gradescope, both outside the bundle: apt-get
    is a no-op (this machine has Python and bubblewrap), and python3 makes its venvs see this
    interpreter's packages, so that setup.sh's pip install finds the grader's dependencies
    installed (pip may not download: PIP_NO_INDEX).
    """
    fake = root.parent / "fake-bin"
    fake.mkdir(exist_ok=True)
    (fake / "apt-get").write_text("#!/bin/sh\nexit 0\n")
    (fake / "python3").write_text(
        f'#!/bin/sh\nif [ "$1 $2" = "-m venv" ]; then shift 2; exec {sys.executable} -m venv --system-site-packages "$@"; fi\n'
        f'exec {sys.executable} "$@"\n')
    for name in ("apt-get", "python3"):
        (fake / name).chmod(0o755)
    env = {"PATH": f"{fake}:/usr/bin:/bin", "HOME": str(root.parent),
           "LANG": "C.UTF-8", "PIP_NO_INDEX": "1", "PIP_NO_BUILD_ISOLATION": "0"}
    return subprocess.run([shutil.which("bwrap"), "--dev-bind", "/", "/", "--bind", str(root), "/autograder",
                           "--chdir", "/autograder", "bash", "-c", command], env=env, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def gradescope_image(tmp_path_factory) -> Path:
    """The documented /autograder layout, made from the zip itself: source/ (the zip, unpacked), setup.sh run."""
    if bubblewrap() is None:
        pytest.skip("needs bubblewrap and root, to put the folder at /autograder as Gradescope has it")
    root = tmp_path_factory.mktemp("gradescope") / "autograder"
    with zipfile.ZipFile(build_bundle(root.parent / "autograder.zip")) as archive:
        names = set(archive.namelist())
        assert GRADESCOPE_FILES <= names, GRADESCOPE_FILES - names
        assert not [n for n in names if n.startswith(("reference/", "source/", "tests/")) or "__pycache__" in n]
        archive.extractall(root / "source")  # Gradescope unpacks the zip into /autograder/source
    for name in ("setup.sh", "run_autograder"):
        (root / "source" / name).chmod(0o755)
    setup = as_gradescope(root, "bash /autograder/source/setup.sh", timeout=900)
    assert setup.returncode == 0, setup.stdout[-2000:] + setup.stderr[-3000:]
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")  # as Gradescope does
    return root


@pytest.mark.slow
@pytest.mark.xdist_group("batch")  # Gradescope's run is a batch (see tests/conftest.py)
@pytest.mark.parametrize("source, full", [(REFERENCE, True), (STUBS, False), (NOTEBOOK, True)],
                         ids=["reference", "stubs", "notebook"])
def test_gradescope_grades_from_the_zip_in_its_documented_layout(gradescope_image, source, full):
    root = gradescope_image
    shutil.rmtree(root / "submission", ignore_errors=True)
    shutil.rmtree(root / "results", ignore_errors=True)
    (root / "submission").mkdir()
    for module in ([source] if source.suffix == ".ipynb" else source.glob("*.py")):  # a notebook: uploaded alone
        shutil.copy(module, root / "submission" / module.name)
    done = as_gradescope(root, "/autograder/run_autograder", timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    data = json.loads((root / "results" / "results.json").read_text())
    check_schema(data)
    assert data["max_score"] == RUBRIC.max_points and len(data["tests"]) == len(RUBRIC.items)
    assert {t["visibility"] for t in data["tests"]} == {"visible", "hidden"}
    assert data["score"] == (data["max_score"] + RUBRIC.extra_points if full else 0), data["output"]
    if source.suffix == ".ipynb":  # what converting it left out reaches the student
        assert "colab_reference.ipynb: code cell 2: `from google.colab import drive` left out" in data["output"]
    installed = list((root / "venv" / "lib").glob("python3*/site-packages/grader/hidden/held_back.json"))
    assert installed, "setup.sh's install lacks grader/hidden/held_back.json (package-data)"


def test_a_bundle_without_hidden_items_is_refused(monkeypatch, tmp_path):
    from grader import gradescope

    (tmp_path / "grader").mkdir()
    monkeypatch.setattr(gradescope, "REPOSITORY", tmp_path)  # a copy of the grader with no grader/hidden
    with pytest.raises(gradescope.BundleError, match="no grader/hidden .*students' copy"):
        gradescope.build_bundle(tmp_path / "autograder.zip")
    assert not (tmp_path / "autograder.zip").exists()


def test_gradescope_hands_the_batch_only_the_modules_whatever_else_the_upload_holds(monkeypatch, tmp_path):
    """An upload with a 1,500-level folder chain and a large file beside the modules: the run was
    'could not grade' (a recursive copy of the whole upload); now the batch gets what it reads."""
    from grader import gradescope
    from grader.batch import run as batch_run
    from grader.batch.submissions import remove

    upload = tmp_path / "submission"
    shutil.copytree(STUBS, upload / "assignment", ignore=shutil.ignore_patterns("__pycache__"))
    (upload / "data.bin").write_bytes(b"\0" * 2**20)
    deep_chain(upload / "notes", 1500)
    handed = {}

    class Summary:
        isolated = True

    def fake_batch(folder, out, **_options):
        handed.update({path.name: path.read_bytes() for path in (folder / "submission").iterdir()})
        written = out / "submissions" / "submission" / "results.json"
        written.parent.mkdir(parents=True)
        written.write_text(json.dumps({"score": 0, "output": "graded", "tests": []}))
        return Summary()

    monkeypatch.setattr(batch_run, "run_batch", fake_batch)
    try:
        results = gradescope.run(upload, tmp_path / "results" / "results.json")
    finally:
        assert remove(upload / "notes")  # pytest's own clean-up of tmp_path recurses
    assert "could not grade" not in results["output"], results["output"]
    assert sorted(handed) == sorted(path.name for path in STUBS.glob("*.py"))
    assert handed["model.py"] == (STUBS / "model.py").read_bytes()

    empty = tmp_path / "empty"
    empty.mkdir()
    results = gradescope.run(empty, tmp_path / "results" / "results.json")
    assert results["score"] == 0 and results["output"].startswith("Your submission could not be graded: no ")
    assert json.loads((tmp_path / "results" / "results.json").read_text()) == results


def extra_grade(untouched: bool = False) -> Grade:
    """Every item of the total earned (5 points), and 3 of 5 extra-credit points in the model's area; or,
    `untouched`, the extra area left as the stubs (each item lost to make_callbacks' NotImplementedError)."""
    stub = dict(found="build_model() is not implemented yet", hint="Follow the TODOs", unfinished=True)
    extra = ([replace(item(f"model.x{n}", False), area="model", number=f"4.{n}", extra=True, **stub) for n in (1, 2)]
             if untouched else [replace(item("model.x1", True, points=3.0), area="model", number="4.1", extra=True),
                                replace(item("model.x2", False), area="model", number="4.2", extra=True)])
    return Grade(items=[item("checkpoint.monitor", True, points=3.0), item("early_stopping.patience", True), *extra])


def test_the_terminal_table_marks_extra_credit_and_counts_it_on_top_of_the_total():
    from grader.report.table import render_grade_table

    text = render_grade_table(extra_grade(), width=120)
    assert "Total: 5 / 5 points, + 3 / 5 extra credit" in text
    assert re.search(r"4\.1[ │]+model\.x1[ │]+\(extra credit\) what model\.x1 checks[ │]+3 / 3", text), text
    assert "Where the points went" in text and "4.2 model.x2" in text  # tried and lost: feedback as usual
    assert "Total: 3 / 5 points\n" in render_grade_table(Grade(items=[item("a", True, points=3.0), item("b", False)]))


def test_an_extra_area_left_as_the_stubs_reads_not_attempted_in_every_report(tmp_path):
    from grader.report.table import render_grade_table

    grade = extra_grade(untouched=True)
    assert grade.score == grade.max_score == 5 and grade.not_attempted() == ["model"]
    text = render_grade_table(grade, width=120)
    assert "4. The model (extra credit): not attempted, worth up to 4 points; it costs nothing." in text
    assert "Where the points went" not in text and "not implemented yet" not in text
    assert "Total: 5 / 5 points, + 0 / 4 extra credit" in text
    page = submission_report(grade, "Grade")
    assert "not attempted, worth up to 4 points" in page and "Where the points went" not in page
    assert page.count('<tr class="untouched">') == 2
    results = tmp_path / "results.json"
    results.write_text(json.dumps(results_dict(grade, 1.0)))
    payload = publish(results, {"GITHUB_OUTPUT": str(tmp_path / "out"), "GITHUB_STEP_SUMMARY": str(tmp_path / "md")})
    assert payload["status"] == "pass"  # the whole total earned: an extra part left alone costs nothing
    summary = (tmp_path / "md").read_text()
    assert summary.startswith("## Grade: 5 / 5 points, + 0 / 4 extra credit") and summary.count("➖") == 2
    assert "Where the points went" not in summary and "not attempted, worth up to 4 points" in summary


def test_the_html_report_marks_extra_credit_and_its_total():
    page = submission_report(extra_grade(), "Grade")
    assert "Total: 5 / 5 points, + 3 / 5 extra credit" in page
    assert page.count('<span class="extra-tag">(extra credit)</span>') == 2
    assert "<h3>4.2 model.x2: 0 / 2</h3>" in page


def test_github_classroom_gets_extra_credit_on_top_of_the_total(tmp_path):
    results = tmp_path / "results.json"
    results.write_text(json.dumps(results_dict(extra_grade(), 1.0)))
    payload = publish(results, {"GITHUB_OUTPUT": str(tmp_path / "out"), "GITHUB_STEP_SUMMARY": str(tmp_path / "md")})
    # the reporter sends the sum of the tests' scores out of max_score: 8 of 5, 3 of them extra credit
    assert payload["max_score"] == 5 and sum(t["score"] for t in payload["tests"]) == 8
    assert payload["status"] == "pass"
    summary = (tmp_path / "md").read_text()
    assert summary.startswith("## Grade: 5 / 5 points, + 3 / 5 extra credit") and "model.x1 (extra credit)" in summary
    # extra credit does not make up for a lost item of the total: 2 + 3 extra >= 5, but not complete
    short = extra_grade()
    short.items[1] = item("early_stopping.patience", False)
    results.write_text(json.dumps(results_dict(short, 1.0)))
    assert publish(results, {"GITHUB_OUTPUT": str(tmp_path / "out"), "GITHUB_STEP_SUMMARY": str(tmp_path / "md")}
                   )["status"] == "fail"


def test_the_gradebook_csv_has_the_extra_credit_apart(tmp_path):
    import csv
    from contextlib import closing

    from grader.batch import gradebook
    from grader.batch.outputs import Judged, Summary, now, record
    from grader.batch.sandbox import Outcome

    out = tmp_path / "results"
    with closing(gradebook.connect(out / "gradebook.sqlite")) as connection:
        record(connection, out, Judged("ann", "0" * 64, "graded", "", extra_grade(), Outcome(), now()),
               ("g", "p"), Summary())
        gradebook.export_csv(connection, out / "gradebook.csv", ["checkpoint.monitor", "model.x1", "model.x2"])
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as handle:
        (row,) = list(csv.DictReader(handle))
    assert (row["score"], row["max_score"], row["extra_credit"], row["model.x1"]) == ("8", "5", "3", "3")


def test_the_untouched_stubs_read_not_attempted_in_an_extra_area_and_the_reference_earns_above_the_total(
        tmp_path, submission_path):
    """The model's area made extra credit, the other areas but training switched off, then graded for real."""
    from grader.grading import grade_submission
    from grader.grade import lost_groups
    from grader.report.table import render_grade_table
    from tests.test_rubric import moded_rubric

    rubric = moded_rubric(tmp_path, model="extra", callbacks="off", behaviour="off", property="off", data="off",
                          explore="off")
    stubs = grade_submission(submission_path("stubs"), rubric=rubric)
    assert set(stubs.facts) == {"model", "train"}  # the areas switched off were not probed
    assert (stubs.score, stubs.max_score, stubs.extra_max) == (0, 10, 15) and stubs.not_attempted() == ["model"]
    assert all(item.unfinished for item in stubs.items)
    text = render_grade_table(stubs, width=120)
    assert "4. The model (extra credit): not attempted, worth up to 15 points; it costs nothing." in text
    assert "build_model()" not in text and "train() is not implemented yet" in text  # the model: one line
    assert {item.area for group in lost_groups(stubs.to_explain()) for item in group} == {"train"}
    assert "Total: 0 / 10 points, + 0 / 15 extra credit" in text

    reference = grade_submission(submission_path("reference"), rubric=rubric)
    assert (reference.score, reference.max_score, reference.extra_score) == (25, 10, 15)  # above the total
    assert reference.not_attempted() == [] and "Total: 10 / 10 points, + 15 / 15 extra credit" in (
        render_grade_table(reference, width=120))

"""`grader export-student`: the students' copy holds no reference and grades like this repository."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from grader import export
from grader.export import ExportError, export_student
from grader.areas import AREA_KEYS
from grader.facts import facts_to_data
from grader.rubric import load_rubric
from tests.conftest import REFERENCE, REPOSITORY, STUBS, fixture_names

RUBRIC = load_rubric()
VISIBLE = [item for item in RUBRIC.items if item.visibility == "visible"]
HIDDEN_POINTS = sum(item.points for item in RUBRIC.items if item.visibility == "hidden")
JUNK = ("__pycache__", ".pyc", ".pytest_cache", ".hypothesis")


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export") / "students"
    export_student(out)
    return out


def files_under(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")
            if p.is_file() and not any(part in str(p) for part in JUNK)}


def run_in(folder: Path, *args, timeout=600) -> subprocess.CompletedProcess:
    """A Python process in the exported folder, importing its grader (not this repository's)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GRADER_REFERENCE")}
    return subprocess.run([sys.executable, *args], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_hidden_items_exist_and_count_in_the_instructors_total():
    assert HIDDEN_POINTS > 0 and RUBRIC.max_points == 100
    assert all(item.number.split(".")[0] == str(next(a.number for a in RUBRIC.areas if a.key == item.area))
               for item in RUBRIC.items)


def test_the_export_holds_what_students_need_and_nothing_else(exported):
    assert {p.name for p in exported.iterdir()} == {"assignment", "grader", "README.md", "pyproject.toml",
                                                     ".gitignore", ".github"}
    workflow = (exported / ".github" / "workflows" / "classroom.yml").read_text()
    assert "id: grade" in workflow and "runners: grade" in workflow  # the reporter reads GRADE_RESULTS
    assert 'GRADE_RESULTS: "${{ steps.grade.outputs.result }}"' in workflow
    assert "pytest grader --grader-json results.json --grader-report report.html --junitxml junit.xml" in workflow
    assert "python -m grader classroom results.json" in workflow and "\t" not in workflow
    assert "cache: pip" in workflow and "cache-dependency-path: pyproject.toml" in workflow  # no reinstall per push
    assert not (exported / "grader" / "hidden").exists()
    assert (exported / "grader" / "profile.json").is_file()
    assert files_under(exported / "assignment") == files_under(STUBS)


def _code_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


def reference_code_in(folder: Path, run: int = 3) -> list[str]:
    """Where `run` consecutive code lines of the reference, not all from the stubs, occur in a file.

    Single lines are not enough evidence (`return model` is everyone's); three in a row
    that the stubs do not share are the reference's own code.
    """
    stub_lines = {line for path in STUBS.glob("*.py") for line in _code_lines(path.read_text())}
    windows = {}
    for path in REFERENCE.glob("*.py"):
        lines = _code_lines(path.read_text())
        for i in range(len(lines) - run + 1):
            window = tuple(lines[i:i + run])
            if not set(window) <= stub_lines:
                windows[window] = f"reference/{path.name}:{window[0]}"
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not any(part in str(path) for part in JUNK):
            lines = _code_lines(path.read_text(encoding="utf-8", errors="replace"))
            found += [f"{path.relative_to(folder)} holds {windows[tuple(lines[i:i + run])]}"
                      for i in range(len(lines) - run + 1) if tuple(lines[i:i + run]) in windows]
    return found


def test_the_export_contains_no_reference_code(exported, tmp_path):
    found = reference_code_in(exported)
    assert not found, "reference code in the students' copy:\n" + "\n".join(found)
    # ... and the search does find it where it is, even re-indented inside another file.
    planted = tmp_path / "planted"
    planted.mkdir()
    body = (REFERENCE / "callbacks.py").read_text()
    (planted / "notes.txt").write_text("see:\n" + "\n".join("    " + line for line in body.splitlines()))
    assert reference_code_in(planted)


def test_the_exported_grader_is_this_one_without_hidden_items(exported):
    ours = {f for f in files_under(REPOSITORY / "grader") if not f.startswith("hidden/")}
    assert files_under(exported / "grader") == ours
    differing = {f for f in ours if (REPOSITORY / "grader" / f).read_bytes() != (exported / "grader" / f).read_bytes()}
    assert differing == {"rubric.toml"}
    students = load_rubric(exported / "grader" / "rubric.toml")
    assert [(i.id, i.number, i.points) for i in students.items] == [(i.id, i.number, i.points) for i in VISIBLE]
    assert students.hidden_elsewhere == HIDDEN_POINTS


def test_the_students_readme_and_project_file(exported):
    readme = (exported / "README.md").read_text()
    assert readme.splitlines()[3] == "pip install -e . && pytest grader        # install, then grade your work in ./assignment"
    assert "$" not in readme  # every placeholder filled in
    assert "also grades 1 point with hidden checks" in readme
    assert "`pytest grader -m model` grades one part of the table below: `callbacks` (1), " in readme
    assert all(item.description in readme for item in VISIBLE)
    project = (exported / "pyproject.toml").read_text()
    assert 'testpaths = ["grader"]' in project and "hidden" not in project
    # --submission known before pytest looks for conftest files (grader/options.py), from a clone not yet installed
    assert 'addopts = ["-p", "grader.options",' in project and 'pythonpath = ["."]' in project


def test_export_refuses_a_folder_in_use_and_a_stale_profile(tmp_path, monkeypatch):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "notes.txt").write_text("mine")
    with pytest.raises(ExportError, match="not empty"):
        export_student(tmp_path / "used")
    edited = tmp_path / "reference"
    shutil.copytree(REFERENCE, edited)
    (edited / "model.py").write_text((edited / "model.py").read_text() + "\n# tuned\n")
    monkeypatch.setattr(export, "REFERENCE_DIR", edited)
    with pytest.raises(ExportError, match=r"reference/model.py has changed.*Run `grader profile` first"):
        export_student(tmp_path / "new")
    assert not (tmp_path / "new").exists()


JUDGE = textwrap.dedent("""
    import json, sys
    sys.path.insert(0, sys.argv[1])  # the exported repository's grader, not this one's
    import grader
    from grader.areas import area_from_data
    from grader.grading import judge, reference_source
    from grader.rubric import load_rubric

    assert grader.__file__.startswith(sys.argv[1]) and reference_source() == "profile", grader.__file__
    rubric, results = load_rubric(), {}
    for name, areas in json.load(open(sys.argv[2])).items():
        grade = judge(rubric, {area: area_from_data(area, data) for area, data in areas.items()})
        results[name] = {item.id: [item.points, item.found] for item in grade.items}
    json.dump(results, open(sys.argv[3], "w"))
""")


@pytest.mark.slow
def test_every_fixture_gets_the_same_visible_points_in_the_export(exported, graded, tmp_path):
    """The facts of every fixture, judged by the exported grader against its profile.

    The probes are the same files in both copies (test above), and the reference's facts
    they use are the profile's (tests/test_profile.py); what remains to show is that the
    verdicts come out the same, item by item, when the reference is not there.
    """
    names = sorted(set(fixture_names()) | {"reference", "stubs"})
    grades = graded.many(names)
    facts = {name: {area: facts_to_data(grades[name].facts[area]) for area in AREA_KEYS} for name in names}
    (tmp_path / "facts.json").write_text(json.dumps(facts))
    (tmp_path / "judge.py").write_text(JUDGE)
    done = run_in(exported, str(tmp_path / "judge.py"), str(exported), str(tmp_path / "facts.json"),
                  str(tmp_path / "verdicts.json"))
    assert done.returncode == 0, done.stderr[-3000:]
    theirs = json.loads((tmp_path / "verdicts.json").read_text())
    for name in names:
        ours = {item.id: [item.points, item.found] for item in grades[name].items if item.visibility == "visible"}
        assert theirs[name] == ours, name


def grade_in(folder: Path, submission: Path, tmp_path: Path) -> dict:
    results = tmp_path / f"{submission.name}.json"
    done = run_in(folder, "-m", "pytest", "grader", f"--submission={submission}", f"--grader-json={results}",
                  "-p", "no:cacheprovider", "-q")
    assert results.is_file(), done.stdout[-3000:] + done.stderr[-3000:]
    return {"data": json.loads(results.read_text()), "stdout": done.stdout, "code": done.returncode}


@pytest.mark.slow
def test_the_exported_repo_grades_the_reference_fully_and_the_stubs_at_zero(exported, graded, tmp_path):
    solution = tmp_path / "solution"
    shutil.copytree(REFERENCE, solution, ignore=shutil.ignore_patterns("__pycache__"))
    full = grade_in(exported, solution, tmp_path)
    visible_max = RUBRIC.max_points - HIDDEN_POINTS
    # the explore step is extra credit: on top of the total
    assert (full["data"]["score"], full["data"]["max_score"], full["code"]) == (
        visible_max + RUBRIC.extra_points, visible_max, 0)
    assert {t["visibility"] for t in full["data"]["tests"]} == {"visible"}
    assert "1 point more is graded by your instructor's hidden checks" in full["stdout"]

    stubs = grade_in(exported, exported / "assignment", tmp_path)
    assert (stubs["data"]["score"], stubs["data"]["max_score"], stubs["code"]) == (0, visible_max, 1)
    assert "not implemented yet" in stubs["stdout"] and "Traceback" not in stubs["stdout"]


def course_clone(tmp_path: Path) -> Path:
    """A clone of this repository's last commit, as an instructor's checkout (or skip where there is no git)."""
    if shutil.which("git") is None or not (REPOSITORY / ".git").exists():
        pytest.skip("needs this repository as a git checkout")
    clone = tmp_path / "course"
    subprocess.run(["git", "clone", "--quiet", "--local", "--no-hardlinks", str(REPOSITORY), str(clone)], check=True,
                   timeout=300)
    for name in ("grader", "student"):  # the grader under test, as it is here (committed or not)
        shutil.copytree(REPOSITORY / name, clone / name, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPOSITORY / "pyproject.toml", clone / "pyproject.toml")
    return clone


SOLVED_TRAIN = (REFERENCE / "train.py").read_bytes()


@pytest.mark.slow
def test_an_instructors_try_in_assignment_is_not_exported(tmp_path):
    """The README invites trying the assignment in assignment/: those edits must never reach students."""
    clone = course_clone(tmp_path)
    (clone / "assignment" / "train.py").write_bytes(SOLVED_TRAIN)  # tried, not committed
    done = run_in(clone, "-m", "grader", "export-student", str(tmp_path / "students"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "students" / "assignment" / "train.py").read_bytes() == (STUBS / "train.py").read_bytes()
    assert "uncommitted edits to assignment/train.py were left out" in done.stdout


@pytest.mark.slow
def test_a_committed_solution_in_assignment_is_refused_by_name(tmp_path):
    clone = course_clone(tmp_path)
    (clone / "assignment" / "train.py").write_bytes(SOLVED_TRAIN)
    subprocess.run(["git", "-C", str(clone), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "oops"],
                   check=True, timeout=60)
    done = run_in(clone, "-m", "grader", "export-student", str(tmp_path / "students"))
    assert done.returncode == 1
    assert "assignment/train.py: train, summarize implemented" in done.stderr
    assert not (tmp_path / "students" / "assignment").exists()


@pytest.mark.parametrize("body, solved", [
    ('def f(x):\n    """Doc."""\n    # TODO: do it\n    raise NotImplementedError("f: do it")\n', []),
    ('def f(x):\n    raise NotImplementedError\n', []),
    ('def f(x):\n    return x + 1\n', ["f"]),
    ('def f(x):\n    y = 1\n    raise NotImplementedError("later")\n', ["f"]),
    ('def f(x):\n    raise ValueError("no")\n', ["f"]),
    ('X = 1\nclass C:\n    pass\n', []),
    ('def f(x:\n', ["(the file does not parse)"]),
])
def test_a_stub_is_a_body_that_only_raises_not_implemented(body, solved):
    from grader.stubs import implemented

    assert implemented(body.encode()) == solved


def test_without_git_the_files_on_disk_must_be_stubs(tmp_path):
    shutil.copytree(STUBS, tmp_path / "assignment")
    stubs, edited = export.student_stubs(tmp_path)  # tmp_path is no git checkout
    assert stubs["train.py"] == (STUBS / "train.py").read_bytes() and edited == ()
    (tmp_path / "assignment" / "train.py").write_bytes(SOLVED_TRAIN)
    with pytest.raises(ExportError, match="no commit holds it here.*assignment/train.py: train, summarize implemented"):
        export.student_stubs(tmp_path)


def git(folder: Path, *args) -> None:
    subprocess.run(["git", "-C", str(folder), "-c", "user.name=t", "-c", "user.email=t@t", *args], check=True,
                   capture_output=True, timeout=60)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_the_course_may_sit_in_a_folder_of_a_larger_checkout_or_untracked_in_one(tmp_path):
    """A course inside a department's monorepo; a copy dropped, uncommitted, inside some other checkout."""
    mono = tmp_path / "mono"
    shutil.copytree(STUBS, mono / "courses" / "dl" / "assignment", ignore=shutil.ignore_patterns("__pycache__"))
    git(mono, "init", "-q")
    git(mono, "add", ".")
    git(mono, "commit", "-qm", "stubs")
    course = mono / "courses" / "dl"
    (course / "assignment" / "train.py").write_bytes(SOLVED_TRAIN)
    (course / "assignment" / "notes.txt").write_text("not a module: not an edit worth naming")
    stubs, edited = export.student_stubs(course)
    assert stubs["train.py"] == (STUBS / "train.py").read_bytes() and edited == ("assignment/train.py",)
    stray = mono / "elsewhere"
    shutil.copytree(STUBS, stray / "assignment", ignore=shutil.ignore_patterns("__pycache__"))
    stubs, edited = export.student_stubs(stray)  # git tracks nothing there: the files on disk, which are stubs
    assert stubs["data.py"] == (STUBS / "data.py").read_bytes() and edited == ()

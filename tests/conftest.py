"""Shared helpers for the grader's own tests: fixture submissions and grading them."""
from __future__ import annotations

import fcntl
import os
import pickle
import shutil
import sqlite3
import subprocess
import tomllib
from contextlib import closing
from pathlib import Path

import pytest

from grader.quiet import quiet_tensorflow

quiet_tensorflow()

TESTS = Path(__file__).resolve().parent
REPOSITORY = TESTS.parent
SUBMISSIONS = TESTS / "submissions"
HOSTILE = TESTS / "hostile"  # attacks on batch grading, laid over the stubs
# hostile fixtures that forge the worker's facts from the public profile (tests/test_forgery.py grades them)
FORGERS = ("forge_token_from_frames", "forge_json_encoder", "forge_perfect")
REFERENCE = REPOSITORY / "reference"
STUBS = REPOSITORY / "assignment"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
SCREENSHOTS = Path(os.environ.get("GRADER_SCREENSHOTS", "/tmp/grader-screenshots"))


def in_chromium(page: Path, profile: Path, screenshot: str | None = None, height: int = 2000) -> str:
    """The DOM of `page` as headless Chromium lays it out; with `screenshot`, also a PNG in SCREENSHOTS."""
    # A profile folder of its own: never waiting on another Chromium's lock on the shared one.
    browser = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000",
               "--disable-background-networking", "--no-first-run", f"--user-data-dir={profile}"]
    dom = subprocess.run(browser + ["--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    if screenshot:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shot = SCREENSHOTS / screenshot
        subprocess.run(browser + [f"--screenshot={shot}", f"--window-size=1100,{height}", page.as_uri()],
                       capture_output=True, timeout=120)
        assert shot.stat().st_size > 20_000
        print(f"screenshot: {shot}")
    return dom.stdout


def fixture_names(folder: Path = SUBMISSIONS) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))


def materialize(name: str, destination: Path) -> Path:
    """A complete submission: the reference's modules with the fixture's files laid over them.

    A fixture folder holds only what differs from the reference, so each one reads as
    exactly the mistake (or the variant) it stands for: whole modules (`*.py`), and/or
    `changes.toml`, a list of one-line edits (`file`, `old`, `new`) applied to the
    reference's modules. An `old` that no longer occurs exactly once fails loudly, so a
    change to the reference cannot silently turn a fixture into something else.
    """
    target = destination / name / "assignment"
    target.mkdir(parents=True)
    hostile = (HOSTILE / name).is_dir()
    source = STUBS if name == "stubs" or hostile else REFERENCE
    for module in source.glob("*.py"):
        shutil.copy(module, target / module.name)
    if name not in ("stubs", "reference"):
        for module in ((HOSTILE if hostile else SUBMISSIONS) / name).glob("*.py"):
            shutil.copy(module, target / module.name)
        changes = SUBMISSIONS / name / "changes.toml"
        if changes.is_file():
            for change in tomllib.loads(changes.read_text(encoding="utf-8"))["change"]:
                path = target / change["file"]
                text = path.read_text(encoding="utf-8")
                if text.count(change["old"]) != 1:
                    raise ValueError(f"{changes}: {change['old']!r} is not in {change['file']} exactly once")
                if change["new"] == change["old"]:  # the fixture would silently be the reference itself
                    raise ValueError(f"{changes}: an edit whose new text is its old one")
                path.write_text(text.replace(change["old"], change["new"]), encoding="utf-8")
    return target.parent


@pytest.fixture(scope="session")
def submission_path(tmp_path_factory):
    """Materialize a fixture submission by name, each once per test session."""
    made: dict[str, Path] = {}
    root = tmp_path_factory.mktemp("submissions")

    def make(name: str) -> Path:
        if name not in made:
            made[name] = materialize(name, root)
        return made[name]

    return make


@pytest.fixture(scope="session")
def gradings(tmp_path_factory):
    """Where this test session keeps its gradings: one folder for all the workers of
    `pytest -n N` (pytest-xdist), so that each fixture is graded once in the whole session."""
    root = tmp_path_factory.getbasetemp()
    folder = (root.parent if os.environ.get("PYTEST_XDIST_WORKER") else root) / "gradings"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def graded(submission_path, gradings):
    """Grade a fixture submission in this process, each once per test session (all workers).

    The first worker to ask for a fixture grades it, holding a lock on it, and leaves the
    grade in `gradings`; a worker asking meanwhile waits for that grade. `graded.many(names)`
    grades the names nobody else is grading first, then waits for the rest, so that two
    workers asking for the same long list share it instead of grading in lockstep.
    """
    from grader.grading import grade_submission

    grades = {}

    def ready(name):
        kept = gradings / f"{name}.pickle"
        if kept.exists():
            grades[name] = pickle.loads(kept.read_bytes())
        return name in grades

    def grade(name, wait=True):
        if name in grades or ready(name):
            return grades[name]
        with open(gradings / f"{name}.lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                return None  # another worker is grading it
            if not ready(name):
                grades[name] = grade_submission(submission_path(name))
                partial = gradings / f"{name}.pickle.part"
                partial.write_bytes(pickle.dumps(grades[name]))
                partial.replace(gradings / f"{name}.pickle")
        return grades[name]

    def many(names):
        for name in names:
            grade(name, wait=False)
        return {name: grade(name) for name in names}

    grade.many = many
    return grade


def pytest_configure(config):
    """`pytest tests -n 2` (the README's command) keeps the tests marked `xdist_group("batch")`
    (test_batch*.py, Gradescope's run) on one worker: xdist's "loadgroup" distribution, which
    plain `-n` would not choose. Each batch already grades two submissions side by side, and
    the tests that count the machine's sandbox workers must not see another test's."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # A worker parsed `-n 2` alone; the controller below chose loadgroup: name the groups.
        config.option.loadgroup = True
    elif getattr(config.option, "dist", None) == "load":
        config.option.dist = "loadgroup"


FIRST = {"test_every_fixture_gets_the_same_visible_points_in_the_export"}


def pytest_collection_modifyitems(config, items):
    """The determinism sweep last: each fixture's first grading is then the fixture tests' own,
    made in another order and process state, and the sweep grades it once more.

    The batch tests first: with `-n 2` one worker takes them all (about 7 minutes) while the
    other starts on the test that grades every fixture (FIRST); started last, either left one
    core idle at the end."""
    def order(item):
        group = item.get_closest_marker("xdist_group")
        return (item.get_closest_marker("determinism") is not None, not (group and group.args == ("batch",)),
                getattr(item, "originalname", None) not in FIRST)

    items.sort(key=order)


def rows(results: Path) -> dict:
    """The current gradebook row of each submission graded into `results` (grader batch --out)."""
    from grader.batch import gradebook

    with closing(sqlite3.connect(results / "gradebook.sqlite")) as db:
        db.row_factory = sqlite3.Row
        return {row["submission"]: row for row in gradebook.current(db)}

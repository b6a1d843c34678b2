"""The pytest face of the grader: `pytest grader [--submission PATH] [--grader-json PATH]`.

Each rubric item is one test (`test_grade.py`), generated here from the rubric in its
order and marked with its area. The first test of an area runs that area's probes on
the submission (and on the reference) once; every item of the area is then judged from
those facts. At the end of the run this plugin prints the grade
table and, when asked, writes Gradescope's results.json. Tracebacks of the
grader itself and TensorFlow's log noise are kept off the student's screen:
the table says everything a student needs.
"""
from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pytest

from grader.quiet import quiet_tensorflow

quiet_tensorflow()  # before anything imports TensorFlow

from grader import options  # noqa: E402
from grader.areas import AREA_KEYS, AREAS  # noqa: E402
from grader.grade import Grade  # noqa: E402
from grader.grading import check_reference, default_submission, judge, probe_safely, reference_facts  # noqa: E402
from grader.profile import ProfileError  # noqa: E402
from grader.probes.student_code import Submission, SubmissionNotFound, shadowing_note  # noqa: E402
from grader.rubric import load_rubric  # noqa: E402

SESSION_KEY = pytest.StashKey["GradingSession"]()


def pytest_addoption(parser, pluginmanager):
    """The options, where pyproject.toml's `-p grader.options` did not already add them (grader/options.py)."""
    if pluginmanager.has_plugin(options.PLUGIN):
        return
    options.add_options(parser)
    # Too late for pytest's first reading of the command line: the value of a `--submission PATH`
    # still counts as a path whose conftest.py pytest loads after this one. Grading needs no
    # conftest but this one, so none other loads (pytest's --noconftest, set from here).
    if hasattr(pluginmanager, "_noconftest"):
        pluginmanager._noconftest = True


def pytest_configure(config):
    path, chosen = (config.getoption("--submission"), None) if config.getoption("--submission") else \
        default_submission()
    try:
        submission = Submission(path)
    except SubmissionNotFound as error:
        raise pytest.UsageError(f"--submission: {error}") from None
    foreign = submissions_pytest_files(config, submission)
    if foreign:
        raise pytest.UsageError(
            f"pytest loaded {', '.join(foreign)}, from the folder being graded, as its own settings or plugins: "
            "the grade would not be the grader's. Put the grader folder first, `pytest grader --submission PATH`, "
            "or write the option as `--submission=PATH`.")
    try:
        check_reference()
    except ProfileError as error:
        raise pytest.UsageError(f"the grader cannot grade: {error}") from None
    session = GradingSession(submission)
    session.notes += ([chosen] if chosen else []) + submission.notes  # a notebook's: what was left out, ...
    # A keras.py (numpy.py, grader.py, ...) in the submission must not stand in for the library.
    note = shadowing_note(submission.keep_libraries_real(), submission)
    if note:
        session.notes.append(note)
    # A second process probes the training areas beside this one (grader/parallel.py), unless asked not
    # to, or a student reads their code's prints (-s) or debugs it (--pdb): that is one process's work.
    session.one_process = bool(config.getoption("--one-process") or config.option.capture == "no"
                               or config.getoption("usepdb", False))
    config.stash[SESSION_KEY] = session
    for area in AREAS:  # `pytest grader -m model` grades one area
        config.addinivalue_line("markers", f"{area.key}: rubric area {area.number}, {area.title}")
    # The grade table carries expected / found / hint for every lost point: pytest's own
    # tracebacks and captured TensorFlow logs would only bury it.
    if config.option.tbstyle == "auto":
        config.option.tbstyle = "no"
    config.option.showcapture = "no"
    if config.option.reportchars == "fE":  # pytest's default: the table lists the failures
        config.option.reportchars = "E"


def submissions_pytest_files(config, submission: Submission) -> list[str]:
    """The submission's own pytest.ini (...) or conftest.py files that pytest loaded before grading began.

    `pytest grader --submission PATH` never loads them (grader/options.py), but pytest chooses
    its settings file before any plugin loads, from the paths on the command line in their
    order: with the option first (`pytest --submission PATH grader`), a pytest.ini in PATH
    wins, and so does a conftest.py there. A folder that holds the running grader is its own.
    """
    home = Path(__file__).resolve().parent.parent

    def theirs(path) -> bool:
        path = Path(path).resolve()
        return (any(path.is_relative_to(folder) for folder in submission.folders)
                and not any(folder == home or folder.is_relative_to(home / "grader") for folder in submission.folders
                            if path.is_relative_to(folder)))

    files = [str(config.inipath)] if config.inipath is not None and theirs(config.inipath) else []
    for plugin in config.pluginmanager.get_plugins():
        file = getattr(plugin, "__file__", None)
        if file and Path(file).name == "conftest.py" and theirs(file):
            files.append(file)
    return files


class GradingSession:
    """The facts of each area, probed once, and which items' tests ran; the grade they make."""

    def __init__(self, submission: Submission):
        self.submission = submission
        self.rubric = load_rubric()
        self.started = time.monotonic()
        self.facts: dict[str, object] = {}
        self.ran: set[str] = set()
        self.notes: list[str] = []  # about the run itself, after the verdicts' own
        self.threads_before = set(threading.enumerate())
        self.exit_status = 0
        self.selected: set[str] = set()  # the areas of the items pytest will run (`-m model`: one)
        self.one_process = True  # set by pytest_configure from the options
        self.helper = None  # grader.parallel.Helper: the training areas, probed beside this process
        self.helper_tried = False

    def threads_left(self) -> list[threading.Thread]:
        """Threads the graded code started and left running (they would keep pytest from ending)."""
        return [t for t in threading.enumerate()
                if t not in self.threads_before and t.is_alive() and not t.daemon]

    def area_facts(self, area: str, scratch: Path):
        if area not in self.facts:
            self.start_helper(scratch)
            facts = None
            if self.helper is not None and area in self.helper.areas:
                # Never idle while the helper works: this process's own areas first, then its facts.
                for own in [key for key in AREA_KEYS if key in self.selected and key not in self.helper.areas]:
                    if own not in self.facts:
                        self.facts[own] = probe_safely(own, self.submission, scratch)
                facts = self.helper.facts(area)
            self.facts[area] = facts if facts is not None else probe_safely(area, self.submission, scratch)
        return self.facts[area]

    def start_helper(self, scratch: Path) -> None:
        """At the first graded item: a helper process for the training areas, where it pays
        (grader/parallel.py). Whatever keeps it from starting, every area is probed here."""
        if self.helper_tried:
            return
        self.helper_tried = True
        from grader import parallel

        if self.one_process or not parallel.worth_a_helper(self.selected) or not parallel.can_fork():
            return
        try:
            parallel.prepare()
            if parallel.can_fork():  # again: nothing prepare() imported may have started the runtime
                areas = [key for key in parallel.HELPER_AREAS if key in self.selected]
                self.helper = parallel.Helper(self.submission, areas, scratch / "helper")
        except Exception:  # no fork (a process limit), an import that failed: one process, as before
            self.helper = None

    def stop_helper(self) -> list[str]:
        """End the helper; the names of the threads its student code left running."""
        if self.helper is None:
            return []
        left = self.helper.finish()
        self.helper.stop()
        return left

    def check(self, item_id: str, scratch: Path) -> None:
        item = self.rubric.item(item_id)
        facts = self.area_facts(item.area, scratch)
        self.ran.add(item_id)
        result = judge(self.rubric, {item.area: facts}, only={item_id}).items[0]
        if not result.passed and item.extra and self.not_attempted(item.area, facts):
            pytest.skip("extra credit, not attempted: it costs nothing")
        if not result.passed:
            pytest.fail(f"{result.found}\n{result.feedback()}", pytrace=False)

    def not_attempted(self, area: str, facts) -> bool:
        """An area of extra credit whose functions are all still the stubs: its tests are skipped, not failed."""
        return area in judge(self.rubric, {area: facts}).not_attempted()

    def grade(self) -> Grade:
        """The grade of the items whose tests ran, with the notes of the areas they probed."""
        grade = judge(self.rubric, self.facts, only=self.ran)
        grade.notes += self.notes
        return grade


@pytest.fixture(scope="session")
def grading(request, tmp_path_factory) -> tuple[GradingSession, Path]:
    session, scratch = request.config.stash[SESSION_KEY], tmp_path_factory.mktemp("scratch")
    if session.submission.workdir is None:  # student code's working folder: this run's scratch, not the repository
        session.submission.workdir = scratch / "work"
    return session, scratch


def pytest_generate_tests(metafunc):
    """test_grade.py's one test, once per rubric item, in rubric order, marked with the item's area."""
    if "item_id" in metafunc.fixturenames:
        items = metafunc.config.stash[SESSION_KEY].rubric.items
        metafunc.parametrize("item_id", [pytest.param(item.id, id=item.id, marks=getattr(pytest.mark, item.area))
                                         for item in items])


def pytest_collection_finish(session):
    """The areas of the items that will run: where a helper process pays (grader/parallel.py)."""
    grading = session.config.stash.get(SESSION_KEY, None)
    if grading is None:
        return
    for item in session.items:
        item_id = getattr(item, "callspec", None) and item.callspec.params.get("item_id")
        if item_id:
            grading.selected.add(grading.rubric.item(item_id).area)


def pytest_sessionfinish(session, exitstatus):
    grading = session.config.stash.get(SESSION_KEY, None)
    if grading is None:
        return
    helpers = grading.stop_helper()
    if grading.threads_left() or helpers:
        names = ", ".join(dict.fromkeys(repr(name) for name in [t.name for t in grading.threads_left()] + helpers))
        grading.notes.append(
            f"Your code started threads that were still running when grading ended ({names}); the grader "
            "stopped them. Graded functions should finish their work before they return.")
    grading.exit_status = int(exitstatus)
    grade = grading.grade()
    path = session.config.getoption("--grader-json")
    if path:
        from grader.report.results_json import write_results_json

        write_results_json(grade, path, time.monotonic() - grading.started)
    report = session.config.getoption("--grader-report")
    if report:
        from grader.report.html import submission_report

        reference = reference_facts("behaviour") if "behaviour" in grade.facts else None
        page = submission_report(grade, grading.rubric.title, reference,
                                 reference_explore=reference_facts("explore") if "explore" in grade.facts else None)
        Path(report).parent.mkdir(parents=True, exist_ok=True)
        Path(report).write_text(page, encoding="utf-8")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    grading = config.stash.get(SESSION_KEY, None)
    if grading is None or not grading.ran:
        return
    from grader.report.table import render_grade_table

    # A terminal's own width; in CI logs (not a terminal) room enough that no description is cut.
    width = min(terminalreporter._tw.fullwidth, 120) if bool(terminalreporter.isatty) else 120
    terminalreporter.write(render_grade_table(grading.grade(), width=width, color=terminalreporter.hasmarkup))


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    """End the process even if student code left threads running: Python would wait for them forever."""
    grading = config.stash.get(SESSION_KEY, None)
    if grading is not None and grading.threads_left():
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(grading.exit_status)

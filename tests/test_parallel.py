"""`pytest grader`'s helper process (grader/parallel.py): the same grade as one process, nothing lost."""
from __future__ import annotations

import json
import os
import shutil
import threading
import time

import pytest

from grader import parallel
from grader.facts import Failure, TrainFacts
from tests.test_pytest_grader import run_grader


def fake_probe(behaviour: dict):
    """A probe_safely that runs no TensorFlow (the test process's runtime has started: the helper
    may fork but must not use it) and does, per area, what `behaviour` says."""
    def probe(key, submission, scratch):
        what = behaviour.get(key, "facts")
        if what == "exit":
            os._exit(3)
        if what == "stall":
            time.sleep(60)
        if what == "thread":
            threading.Thread(target=time.sleep, args=(600,), name="left-by-student").start()
        return TrainFacts(returned=f"from the helper: {key}") if key == "train" else \
            Failure(kind="crashed", where=key, summary=f"helper failure for {key}")
    return probe


class Submission:
    workdir = None


def test_a_helper_sends_each_area_s_facts_as_the_area_s_own_class(monkeypatch, tmp_path):
    monkeypatch.setattr(parallel, "probe_safely", fake_probe({}))
    helper = parallel.Helper(Submission(), ("model", "train"), tmp_path / "helper")
    try:
        train = helper.facts("train")  # asked out of order: the model's line is kept for later
        assert isinstance(train, TrainFacts) and train.returned == "from the helper: train"
        model = helper.facts("model")
        assert isinstance(model, Failure) and model.summary == "helper failure for model"
        assert helper.facts("data") is None  # never its area
    finally:
        helper.stop()
    assert not helper.running


def test_a_helper_that_dies_leaves_its_other_areas_to_this_process(monkeypatch, tmp_path):
    monkeypatch.setattr(parallel, "probe_safely", fake_probe({"data": "exit"}))
    helper = parallel.Helper(Submission(), ("model", "data", "train"), tmp_path / "helper")
    try:
        assert isinstance(helper.facts("model"), Failure)  # sent before it died
        assert helper.facts("data") is None and helper.facts("train") is None
        assert not helper.running  # reaped
    finally:
        helper.stop()


def test_a_stalled_helper_is_killed_at_its_deadline(monkeypatch, tmp_path):
    monkeypatch.setattr(parallel, "probe_safely", fake_probe({"model": "stall"}))
    helper = parallel.Helper(Submission(), ("model",), tmp_path / "helper")
    helper.deadline = time.monotonic() + 1
    started = time.monotonic()
    try:
        assert helper.facts("model") is None
        assert time.monotonic() - started < 30 and not helper.running
    finally:
        helper.stop()


def test_an_unreadable_line_is_an_area_probed_here(monkeypatch, tmp_path):
    monkeypatch.setattr(parallel, "probe_safely", fake_probe({}))
    helper = parallel.Helper(Submission(), ("model",), tmp_path / "helper")
    try:
        helper._take(b'{"area": "train", "facts": {"returned": "x"}}')  # not one of its areas
        helper._take(b'{"area": "model", "facts": ')  # cut short
        assert helper.received == {}
        assert isinstance(helper.facts("model"), Failure)  # the real line, read from the pipe
    finally:
        helper.stop()


def test_a_helper_says_which_threads_its_student_code_left_running(monkeypatch, tmp_path):
    monkeypatch.setattr(parallel, "probe_safely", fake_probe({"model": "thread"}))
    helper = parallel.Helper(Submission(), ("model", "train"), tmp_path / "helper")
    try:
        assert helper.facts("model") is not None and helper.facts("train") is not None
        assert helper.finish() == ["left-by-student"]
    finally:
        helper.stop()


def test_a_helper_still_at_work_is_not_waited_for_at_the_end(monkeypatch, tmp_path):
    """A run cut short (-x, Ctrl-C) ends at once, its helper with it."""
    monkeypatch.setattr(parallel, "probe_safely", fake_probe({"train": "stall"}))
    helper = parallel.Helper(Submission(), ("model", "train"), tmp_path / "helper")
    started = time.monotonic()
    try:
        assert helper.facts("model") is not None
        assert helper.finish() == [] and time.monotonic() - started < 5
    finally:
        helper.stop()


def test_a_helper_is_only_worth_it_with_areas_on_both_sides():
    assert parallel.worth_a_helper({"callbacks", "model"}) and parallel.worth_a_helper({"data", "behaviour"})
    assert not parallel.worth_a_helper({"model", "explore"}) and not parallel.worth_a_helper({"callbacks", "property"})
    import tensorflow as tf

    tf.constant(1.0) + 1.0  # TensorFlow's runtime started here: a fork would hang in its first op
    assert parallel.runtime_started() and not parallel.can_fork()


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("name", ["mistake_hardcoded_input_size", "mistake_no_shuffle", "mistake_val_acc"])
def test_a_grading_with_a_helper_is_the_one_process_grading(name, tmp_path, submission_path):
    """Byte for byte: results.json (its duration aside) and the grade table, whichever process probed
    an area (pytest's last line aside: its duration); and the helper really ran (its own folder,
    under the run's scratch)."""
    outputs = []
    for mode in ("helper", "one"):
        results, base = tmp_path / f"{mode}.json", tmp_path / f"base-{mode}"
        flags = ["--one-process"] if mode == "one" else []
        run = run_grader("--submission", str(submission_path(name)), "--grader-json", str(results),
                         "--basetemp", str(base), *flags, GRADER_REFERENCE="profile")
        assert run.returncode == 1, run.stdout + run.stderr
        data = json.loads(results.read_text())
        del data["execution_time"]
        outputs.append((json.dumps(data, sort_keys=True), run.stdout.rstrip().rsplit("\n", 1)[0]))
        helped = list(base.glob("scratch*/helper"))
        assert bool(helped) == (mode == "helper"), (mode, list(base.rglob("*"))[:20])
    assert outputs[0] == outputs[1]


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_threads_left_by_code_the_helper_ran_are_named_under_the_grade(tmp_path):
    """make_logging_callbacks() (only the explore area, which the helper probes, calls it) starts a
    thread and leaves it running: the note under the table names it, as in one process."""
    from tests.conftest import REPOSITORY

    submission = tmp_path / "submission"
    shutil.copytree(REPOSITORY / "reference", submission, ignore=shutil.ignore_patterns("__pycache__"))
    explore = submission / "explore.py"
    explore.write_text(explore.read_text().replace('def make_logging_callbacks(log_dir="logs"):', (
        "import threading as _threading\n\n\n"
        'def make_logging_callbacks(log_dir="logs"):\n'
        "    _threading.Thread(target=__import__('time').sleep, args=(600,), name='left-in-explore').start()\n"
        "    return _make_logging_callbacks(log_dir)\n\n\n"
        'def _make_logging_callbacks(log_dir="logs"):'), 1))
    run = run_grader("--submission", str(submission), "-q", GRADER_REFERENCE="profile")
    shown = " ".join(run.stdout.split())
    assert "'left-in-explore'" in shown and "stopped them" in shown, run.stdout[-3000:]
    assert "Total: 100 / 100 points, + 10 / 10" in shown


def test_a_helper_that_cannot_start_leaves_every_area_to_this_process(monkeypatch, tmp_path):
    """A fork refused (a process limit) or an import that fails before it: one process, no error."""
    from grader.conftest import GradingSession
    from grader.probes.student_code import Submission as Graded
    from tests.conftest import REPOSITORY

    session = GradingSession(Graded(REPOSITORY / "reference"))
    session.one_process, session.selected = False, {"callbacks", "behaviour"}
    monkeypatch.setattr(parallel, "can_fork", lambda: True)

    def refused(*args):
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(parallel, "prepare", lambda: None)
    monkeypatch.setattr(parallel.os, "fork", refused)
    session.start_helper(tmp_path)
    assert session.helper is None and session.helper_tried

"""`pytest grader`'s helper process (grader/parallel.py): the same grade as one process, nothing lost."""
from __future__ import annotations

import json
import os
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

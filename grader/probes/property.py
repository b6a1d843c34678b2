"""Differential property test: the student's callbacks beside the reference's on generated histories.

For each callback kind, hypothesis searches validation histories (val_loss and
val_accuracy per epoch) for one on which the student's callback and the
reference's, each replayed alone, act differently; then shrinks it to the
smallest such history. Generation is derandomized and uses no example database,
so the same submission meets the same histories on every run.
"""
from __future__ import annotations

import json
from pathlib import Path

from hypothesis import find
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from grader.facts import CallbacksFacts, Failure, PropertyCheck, PropertyFacts
from grader.probes.callbacks import GIVEN_CHECKPOINT_NAME, KINDS
from grader.probes.model import reference_replay_model, replay_model
from grader.probes.replay import rebuild_callback, replay
from grader.probes.search import search_settings, without_local_constants

# Few distinct levels make ties and plateaus common; shrinking walks towards the
# first level, so a minimal counterexample reads as a flat, bad history.
LOSS_LEVELS = (0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3)
ACCURACY_LEVELS = (0.5, 0.6, 0.7, 0.8, 0.9)
MAX_EPOCHS = 12
SEARCH = search_settings(max_examples=60)


def histories():
    return st.integers(1, MAX_EPOCHS).flatmap(
        lambda n: st.tuples(
            st.lists(st.sampled_from(LOSS_LEVELS), min_size=n, max_size=n).map(tuple),
            st.lists(st.sampled_from(ACCURACY_LEVELS), min_size=n, max_size=n).map(tuple),
        )
    )


# The reference's timeline on each history tried, kept for the process: derandomized search
# tries the same histories for every submission, and the reference's answer never changes.
_REFERENCE_TIMELINES: dict[tuple, object] = {}


class _StudentFailed(Exception):
    def __init__(self, failure: Failure):
        super().__init__(failure.summary)
        self.failure = failure


def probe_property(submission, scratch: Path, reference: CallbacksFacts) -> PropertyFacts:
    make_callbacks = submission.function("callbacks", "make_callbacks")
    if isinstance(make_callbacks, Failure):
        return PropertyFacts(failure=make_callbacks)
    model = replay_model()
    scratch = Path(scratch) / "property"
    scratch.mkdir(parents=True, exist_ok=True)
    checkpoint_path = str(scratch / GIVEN_CHECKPOINT_NAME)

    def student_callback(kind):
        returned, failure = submission.call(make_callbacks, checkpoint_path)
        if failure:
            raise _StudentFailed(failure)
        found = [cb for cb in (returned if isinstance(returned, (list, tuple)) else [])
                 if _is_kind(cb, kind)]
        if not found:
            raise _StudentFailed(Failure(kind="missing", where=f"a {kind}",
                                         summary=f"make_callbacks returned no {kind}"))
        return found[0]

    def student_timeline(kind, history):
        callback = student_callback(kind)
        timeline, failure = submission.call(replay, [callback], *history, model)
        if failure:
            raise _StudentFailed(failure)
        return timeline

    checks = []
    for kind in KINDS:
        expected = reference.of_kind(kind)
        if not expected:
            continue
        config = expected[0].config

        def reference_timeline(history, kind=kind, config=config):
            key = (kind, json.dumps(config, sort_keys=True, default=repr), history)
            if key not in _REFERENCE_TIMELINES:
                _REFERENCE_TIMELINES[key] = replay([rebuild_callback(kind, config, scratch)], *history,
                                                   reference_replay_model())
            return _REFERENCE_TIMELINES[key]

        def disagree(history, kind=kind, reference_timeline=reference_timeline):
            try:
                mine = student_timeline(kind, history).events_of(kind)
            except _StudentFailed:
                return True
            return mine != reference_timeline(history).events_of(kind)

        tried = 0

        def counted(history, disagree=disagree):
            nonlocal tried
            tried += 1
            return disagree(history)

        try:
            student_callback(kind)
        except _StudentFailed as missing:
            checks.append(PropertyCheck(kind=kind, failure=missing.failure))
            continue
        try:
            with without_local_constants():
                history = find(histories(), counted, settings=SEARCH)
        except NoSuchExample:
            checks.append(PropertyCheck(kind=kind, examples=tried))
            continue
        try:
            mine, failure = student_timeline(kind, history), None
        except _StudentFailed as error:
            mine, failure = None, error.failure
        checks.append(PropertyCheck(
            kind=kind, examples=tried, failure=failure,
            val_loss=history[0], val_accuracy=history[1],
            student=mine, reference=reference_timeline(history),
        ))
    return PropertyFacts(checks=tuple(checks))


def _is_kind(callback, kind: str) -> bool:
    from grader.probes.callbacks import is_kind

    return is_kind(callback, kind)

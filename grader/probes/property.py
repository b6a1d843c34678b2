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

from grader.facts import (CallbacksFacts, Failure, PropertyCheck, PropertyFacts, PropertyReference,
                          ReferenceEvents)
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
# The events alone (as JSON), which is all the search compares: also filled from the profile.
_REFERENCE_EVENTS: dict[tuple, str] = {}


def _key(kind: str, config: dict, history) -> tuple:
    return (kind, json.dumps(config, sort_keys=True, default=repr), (tuple(history[0]), tuple(history[1])))


def _remember(reference: CallbacksFacts, recorded: PropertyReference | None) -> None:
    """Take the profile's replays of the reference as if this process had made them."""
    for replay_ in (recorded.replays if recorded else ()):
        expected = reference.of_kind(replay_.kind)
        if expected:
            key = _key(replay_.kind, expected[0].config, (replay_.val_loss, replay_.val_accuracy))
            _REFERENCE_EVENTS.setdefault(key, replay_.events)


def reference_replays(looked_up: list[tuple]) -> PropertyReference:
    """The reference's events on the histories one search tried (what `grader profile` records)."""
    return PropertyReference(replays=tuple(
        ReferenceEvents(kind=key[0], val_loss=key[2][0], val_accuracy=key[2][1], events=_REFERENCE_EVENTS[key])
        for key in dict.fromkeys(looked_up)))


class _StudentFailed(Exception):
    def __init__(self, failure: Failure):
        super().__init__(failure.summary)
        self.failure = failure


def probe_property(submission, scratch: Path, reference: CallbacksFacts,
                   recorded: PropertyReference | None = None, looked_up: list | None = None) -> PropertyFacts:
    """`recorded`: the reference's replays from the profile; `looked_up`: collects the histories asked about."""
    _remember(reference, recorded)
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

        def reference_events(history, kind=kind, config=config, reference_timeline=reference_timeline):
            key = _key(kind, config, history)
            if key not in _REFERENCE_EVENTS:
                _REFERENCE_EVENTS[key] = json.dumps(reference_timeline(history).events_of(kind))
            if looked_up is not None:
                looked_up.append(key)
            return _REFERENCE_EVENTS[key]

        def disagree(history, kind=kind, reference_events=reference_events):
            try:
                mine = student_timeline(kind, history).events_of(kind)
            except _StudentFailed:
                reference_events(history)  # the reference's answer is recorded all the same
                return True
            return json.dumps(mine) != reference_events(history)

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

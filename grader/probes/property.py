"""Differential property test: the student's callbacks beside the reference's on generated histories.

For each callback kind, hypothesis searches validation histories (val_loss and
val_accuracy per epoch) for one on which the student's callback and the
reference's, each replayed alone, act differently; then shrinks it to the
smallest such history. Generation is derandomized and uses no example database,
so the same submission meets the same histories on every run.
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from hypothesis import find
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from grader.facts import (CallbacksFacts, Failure, ListAnswers, PropertyCheck, PropertyFacts, PropertyReference,
                          ReferenceEvents)
from grader.probes.callbacks import GIVEN_CHECKPOINT_NAME, KINDS, is_kind
from grader.probes.model import reference_replay_model, replay_model
from grader.probes.replay import keras_answers, rebuild_callback, replay
from grader.probes.search import search_settings, without_local_constants
from grader.questions import current

# Few distinct levels make ties and plateaus common; shrinking walks towards the
# first level, so a minimal counterexample reads as a flat, bad history.
LOSS_LEVELS = (0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3)
ACCURACY_LEVELS = (0.5, 0.6, 0.7, 0.8, 0.9)
MAX_EPOCHS = 12
SEARCH = search_settings(max_examples=30)


def histories():
    return st.integers(1, MAX_EPOCHS).flatmap(
        lambda n: st.tuples(
            st.lists(st.sampled_from(LOSS_LEVELS), min_size=n, max_size=n).map(tuple),
            st.lists(st.sampled_from(ACCURACY_LEVELS), min_size=n, max_size=n).map(tuple),
        )
    )


# The reference's answers, kept for the process: derandomized search tries the same histories for
# every submission, and the reference's answer on a history never changes. Its timeline on each
# history replayed here, and the events alone (as JSON, all the search compares), which the
# profile's recorded replays also fill.
_REFERENCE_TIMELINES: dict[tuple, object] = {}
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


class StudentReplays:
    """The student's callbacks, each made afresh by make_callbacks and replayed alone on a history."""

    def __init__(self, submission, make_callbacks, checkpoint_path: str):
        self.submission, self.make_callbacks, self.checkpoint_path = submission, make_callbacks, checkpoint_path
        self.model = replay_model()

    def callback(self, kind: str):
        returned, failure = self.submission.call(self.make_callbacks, self.checkpoint_path)
        if failure:
            raise _StudentFailed(failure)
        found = [cb for cb in (returned if isinstance(returned, (list, tuple)) else []) if is_kind(cb, kind)]
        if not found:
            raise _StudentFailed(Failure(kind="missing", where=f"a {kind}",
                                         summary=f"make_callbacks returned no {kind}"))
        return found[0]

    def timeline(self, kind: str, history):
        timeline, failure = self.submission.call(replay, [self.callback(kind)], *history, self.model)
        if failure:
            raise _StudentFailed(failure)
        return timeline


class ReferenceReplays:
    """The reference's callback of one kind (rebuilt from its configuration) replayed on a history."""

    def __init__(self, kind: str, config: dict, scratch: Path, looked_up: list | None):
        self.kind, self.config, self.scratch, self.looked_up = kind, config, scratch, looked_up

    def timeline(self, history):
        key = _key(self.kind, self.config, history)
        if key not in _REFERENCE_TIMELINES:
            _REFERENCE_TIMELINES[key] = replay([rebuild_callback(self.kind, self.config, self.scratch)], *history,
                                               reference_replay_model())
        return _REFERENCE_TIMELINES[key]

    def events(self, history) -> str:
        key = _key(self.kind, self.config, history)
        if key not in _REFERENCE_EVENTS:
            _REFERENCE_EVENTS[key] = json.dumps(self.timeline(history).events_of(self.kind))
        if self.looked_up is not None:
            self.looked_up.append(key)
        return _REFERENCE_EVENTS[key]


def compare(kind: str, student: StudentReplays, reference: ReferenceReplays) -> PropertyCheck:
    """Search for the smallest history on which the two act differently (none found: they agree)."""
    tried = 0

    def disagree(history) -> bool:
        nonlocal tried
        tried += 1
        try:
            mine = student.timeline(kind, history).events_of(kind)
        except _StudentFailed:
            reference.events(history)  # the reference's answer is recorded all the same
            return True
        return json.dumps(mine) != reference.events(history)

    try:
        student.callback(kind)
    except _StudentFailed as missing:
        return PropertyCheck(kind=kind, failure=missing.failure)
    try:
        with without_local_constants():
            history = find(histories(), disagree, settings=SEARCH)
    except NoSuchExample:
        return PropertyCheck(kind=kind, examples=tried)
    try:
        mine, failure = student.timeline(kind, history), None
    except _StudentFailed as error:
        mine, failure = None, error.failure
    return PropertyCheck(kind=kind, examples=tried, failure=failure, val_loss=history[0],
                         val_accuracy=history[1], student=mine, reference=reference.timeline(history))


def probe_property(submission, scratch: Path, reference: CallbacksFacts,
                   recorded: PropertyReference | None = None, looked_up: list | None = None) -> PropertyFacts:
    """`recorded`: the reference's replays from the profile; `looked_up`: collects the histories asked about."""
    _remember(reference, recorded)
    make_callbacks = submission.function("callbacks", "make_callbacks")
    if isinstance(make_callbacks, Failure):
        return PropertyFacts(failure=make_callbacks)
    scratch = Path(scratch) / "property"
    scratch.mkdir(parents=True, exist_ok=True)
    student = StudentReplays(submission, make_callbacks, str(scratch / GIVEN_CHECKPOINT_NAME))
    kinds = [kind for kind in KINDS if reference.of_kind(kind)]
    checks = [compare(kind, student, ReferenceReplays(kind, reference.of_kind(kind)[0].config, scratch, looked_up))
              for kind in kinds]
    asked = current()
    answers = [list_answers(kind, student, asked.histories) for kind in kinds
               if not (check := next(c for c in checks if c.kind == kind)).failure or check.val_loss is not None]
    return PropertyFacts(checks=tuple(checks), answers=tuple(answers), asked=asked.digest)


def list_answers(kind: str, student: StudentReplays, histories) -> ListAnswers:
    """The student's callback of this kind, made afresh and replayed alone on each history of the list."""
    events, failure = [], None
    for history in histories:
        try:
            events.append(json.dumps(student.timeline(kind, history).events_of(kind)))
        except _StudentFailed as error:
            events.append(None)
            failure = failure or error.failure.summary[:300]
            if error.failure.kind in ("not_implemented", "timeout", "exited", "tampered", "missing"):
                break
    return ListAnswers(kind=kind, events=tuple(events), failure=failure)


def reference_property(submission, scratch: Path, callbacks: CallbacksFacts) -> PropertyReference:
    """The reference's own search: its events on the histories every agreeing submission meets; and
    its callbacks' answers to the public list of histories (grader.expected takes them for the public
    questions, instead of replaying them in every students' run)."""
    looked_up: list[tuple] = []
    probe_property(submission, scratch, callbacks, looked_up=looked_up)
    histories = current().histories
    answers = tuple(keras_answers(kind, found[0].config, histories) for kind in KINDS
                    if (found := callbacks.of_kind(kind)) and found[0].config is not None)
    return dataclasses.replace(reference_replays(looked_up), answers=answers, histories=histories)


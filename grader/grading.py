"""Grading one submission: run the probes for each rubric area, then the verdicts.

In student mode (pytest grader) both steps run in one process; the same two
functions, `probe_area` and `judge_area`, are what batch mode will split across
the sandbox boundary.
"""
from __future__ import annotations

import functools
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from grader.limits import ProbeTimeout, pending, time_limit
from grader.quiet import quiet_tensorflow, seed_everything
from grader.rubric import Rubric, load_rubric
from grader.verdicts import ItemResult, judge_area

REPOSITORY = Path(__file__).resolve().parent.parent
REFERENCE_DIR = REPOSITORY / "reference"
DEFAULT_SUBMISSION = REPOSITORY / "assignment"
AREAS = ("callbacks", "behaviour", "property", "model", "data", "train")


AREA_TIMEOUT = 240  # seconds; the slowest area takes about 10 s on the reference


def probe_safely(area: str, submission, scratch: Path, timeout: float = AREA_TIMEOUT):
    """Facts about one rubric area, or a Failure when the probe broke or ran out of time.

    Student code can surprise a probe in ways no one foresaw, or loop forever; then every
    item of the area loses its points with a readable reason, instead of vanishing from
    the grade or hanging the run, and the other areas are graded as usual. (A single call
    that hangs costs less: see `Submission.call`.)
    """
    from grader.facts import Failure

    quiet_tensorflow()
    import keras  # noqa: F401  imported outside the limit: an import cut short leaves half a module behind

    try:
        with time_limit(timeout) as limit:
            try:
                return settled(area, probe_area(area, submission, scratch))
            except ProbeTimeout as error:
                if limit is None or error.limit is not limit:
                    raise
                return Failure(kind="timeout", where=f"your code for {area!r}",
                               summary=f"took longer than {timeout:g} s")
    except ProbeTimeout as error:
        if pending(error):
            raise
        return Failure(kind="crashed", where=f"your code for {area!r}", summary="it raised the grader's own timeout")
    except Exception as error:
        return Failure(kind="crashed", where=f"your code for {area!r}",
                       summary=f"{type(error).__name__}: {error}"[:400])


def settled(area: str, facts):
    """The facts as verdicts see them in every mode: through their JSON form, as batch sends them.

    What student code returned can pretend (a str subclass whose == is always True, an
    int that equals anything): after the round trip only plain values are left, and
    the grade cannot depend on whether the facts crossed a process boundary.
    """
    from grader.facts import area_from_data, area_to_data

    return area_from_data(area, json.loads(json.dumps(area_to_data(facts))))


def probe_area(area: str, submission, scratch: Path):
    """Facts about one rubric area of a loaded submission."""
    quiet_tensorflow()
    if area == "property":  # before seeding: the first call may probe reference/ (its own random draws)
        # the reference's recorded replays spare a fresh process ~180 replays; with reference/ at hand,
        # recording them would cost a search of its own, so they are replayed as the search goes
        recorded = reference_facts("property") if reference_source() == "profile" else None
        references = reference_facts("callbacks"), recorded
    seed_everything()
    if area == "callbacks":
        from grader.probes.callbacks import probe_callbacks

        return probe_callbacks(submission, scratch)
    if area == "behaviour":
        from grader.probes.training import probe_training

        return probe_training(submission, scratch)
    if area == "property":
        from grader.probes.property import probe_property

        return probe_property(submission, scratch, *references)
    if area == "model":
        from grader.probes.model import probe_model

        return probe_model(submission, scratch)
    if area == "data":
        from grader.probes.data import probe_data

        return probe_data(submission, scratch)
    if area == "train":
        from grader.probes.analysis import probe_analysis

        return probe_analysis(submission, scratch)
    raise ValueError(f"no probe for rubric area {area!r}")


# "profile" makes the grader read the reference's facts from the profile even where
# reference/ is at hand (as it does in the students' copy and in the sandbox).
REFERENCE_FROM = "GRADER_REFERENCE"


def reference_source() -> str:
    """Where the reference's facts come from: "reference" (probed live) or "profile"."""
    from grader.profile import REFERENCE_MODULES

    if os.environ.get(REFERENCE_FROM, "").strip().lower() == "profile":
        return "profile"
    if all((REFERENCE_DIR / name).is_file() for name in REFERENCE_MODULES):
        return "reference"
    return "profile"


def check_reference() -> None:
    """Raise ProfileError, with what to do, when there is nothing to grade against."""
    from grader.profile import read_profile

    if reference_source() == "profile":
        read_profile()


@functools.lru_cache(maxsize=None)
def reference_facts(area: str):
    """The reference solution's facts for an area: where every expected value comes from.

    Probed from reference/ when it is there, read from the committed profile when it
    is not; both pass through the profile's JSON form, so the verdicts cannot tell.
    """
    from grader.profile import normalized, profile_facts

    if reference_source() == "profile":
        return profile_facts(area)
    return normalized(area, live_reference_facts(area))


@functools.lru_cache(maxsize=None)
def live_reference_facts(area: str):
    """The facts of reference/ itself, probed in this process (what `grader profile` records).

    For the training runs the reference's events come from replaying its callbacks on
    the same script (no training); for the property test, the reference's callbacks
    (rebuilt from their recorded configuration) replayed on the histories its own search tries.
    """
    from grader.probes.student_code import Submission

    quiet_tensorflow()
    seed_everything()
    with tempfile.TemporaryDirectory(prefix="grader-reference-") as scratch:
        if area == "behaviour":
            from grader.probes.training import expected_training

            from grader.profile import normalized

            callbacks = normalized("callbacks", live_reference_facts("callbacks"))
            return expected_training(Submission(REFERENCE_DIR), Path(scratch), callbacks)
        if area == "property":  # the reference's own search: the histories every agreeing submission meets
            from grader.probes.property import probe_property, reference_replays

            from grader.profile import normalized

            callbacks, looked_up = normalized("callbacks", live_reference_facts("callbacks")), []
            probe_property(Submission(REFERENCE_DIR), Path(scratch), callbacks, looked_up=looked_up)
            return reference_replays(looked_up)
        return probe_area(area, Submission(REFERENCE_DIR), Path(scratch))


@dataclass
class Grade:
    """The verdicts on one submission, in rubric order, plus advisory notes."""

    items: list[ItemResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # The facts each area was judged on (event timelines and all), for reports and plots.
    facts: dict[str, object] = field(default_factory=dict)
    hidden_elsewhere: float = 0  # points of hidden items this copy of the grader does not have

    @property
    def score(self) -> float:
        return sum(item.points for item in self.items)

    @property
    def max_score(self) -> float:
        return sum(item.max_points for item in self.items)

    def add(self, items: list[ItemResult], notes: list[str]):
        self.items.extend(items)
        self.notes.extend(notes)

    def lost(self) -> set[str]:
        return {item.id for item in self.items if not item.passed}


def grade_submission(path, areas=AREAS, rubric: Rubric | None = None, call_timeout: float | None = None) -> Grade:
    """Probe and judge a submission folder in this process (student mode, and the tests)."""
    from grader.probes.student_code import CALL_TIMEOUT, Submission

    rubric = rubric or load_rubric()
    submission = Submission(path, call_timeout=call_timeout or CALL_TIMEOUT)
    grade = Grade(hidden_elsewhere=rubric.hidden_elsewhere)
    with tempfile.TemporaryDirectory(prefix="grader-scratch-") as scratch:
        for area in areas:
            facts = probe_safely(area, submission, Path(scratch))
            grade.facts[area] = facts
            grade.add(*judge_area(rubric, area, facts, reference_facts(area)))
    return grade

"""The grading loop: probe each rubric area, then judge the facts into a Grade.

This is the composition root: the one module that knows probes, the reference's facts
and verdicts together. `probe_safely` runs one area's probe on student code (in this
process, or in the batch worker's sandbox); `judge` is the one place facts become a
`Grade`, for `pytest grader`, `grade_submission` and batch grading alike. The areas come
from `grader.areas`, in rubric order.
"""
from __future__ import annotations

import functools
import gc
import importlib
import os
import tempfile
from pathlib import Path

from grader.areas import AREAS, area, settled
from grader.facts import Failure
from grader.grade import Grade
from grader.limits import ProbeTimeout, pending, time_limit
from grader.quiet import quiet_tensorflow, seed_everything
from grader.rubric import Rubric, load_rubric
from grader.verdicts import judge_item, notes_for

REPOSITORY = Path(__file__).resolve().parent.parent
REFERENCE_DIR = REPOSITORY / "reference"
DEFAULT_SUBMISSION = REPOSITORY / "assignment"
NOTEBOOK_SUBMISSION = REPOSITORY / "assignment.ipynb"  # the students' copy exported with --notebook


def default_submission() -> tuple[Path, str | None]:
    """What `pytest grader` grades without --submission, and a note when it is the notebook.

    ./assignment, unless ./assignment.ipynb (written by `export-student --notebook`) holds more
    finished functions than the modules do: then the student works in the notebook.
    """
    if not NOTEBOOK_SUBMISSION.is_file():
        return DEFAULT_SUBMISSION, None
    from grader.notebook import convert
    from grader.stubs import implemented

    try:
        in_notebook = implemented(convert(NOTEBOOK_SUBMISSION.read_bytes(), NOTEBOOK_SUBMISSION.name).code.encode())
    except Exception:  # a notebook that cannot be read: the modules, and the notebook's own grading says why
        return DEFAULT_SUBMISSION, None
    in_modules = [name for path in sorted(DEFAULT_SUBMISSION.glob("*.py")) for name in implemented(path.read_bytes())
                  if path.stem != "__main__"]
    if len(in_notebook) > len(in_modules):
        return NOTEBOOK_SUBMISSION, (f"Graded {NOTEBOOK_SUBMISSION.name}, which holds more of your work than "
                                     "assignment/ (grade the modules with `pytest grader --submission assignment`).")
    return DEFAULT_SUBMISSION, None
HIDDEN_VERDICTS = "grader.hidden"  # instructor-only; students' copies and the sandbox have no grader/hidden


def load_verdicts() -> None:
    """Register every area's verdicts, and the hidden items' where this copy has them."""
    for each in AREAS:
        importlib.import_module(each.verdicts)
    try:
        importlib.import_module(HIDDEN_VERDICTS)
    except ModuleNotFoundError as missing:
        if missing.name != HIDDEN_VERDICTS:
            raise


load_verdicts()


AREA_TIMEOUT = 240  # seconds; the slowest area takes about 10 s on the reference


def probe_safely(key: str, submission, scratch: Path, timeout: float = AREA_TIMEOUT):
    """Facts about one rubric area, or a Failure when the probe broke or ran out of time.

    Student code can surprise a probe in ways no one foresaw, or loop forever; then every
    item of the area loses its points with a readable reason, instead of vanishing from
    the grade or hanging the run, and the other areas are graded as usual. (A single call
    that hangs costs less: see `Submission.call`.)
    """
    quiet_tensorflow()
    import keras  # noqa: F401  imported outside the limit: an import cut short leaves half a module behind

    settle_imports()
    try:
        with time_limit(timeout) as limit:
            try:
                return settled(key, probe_area(key, submission, scratch))
            except ProbeTimeout as error:
                if limit is None or error.limit is not limit:
                    raise
                return Failure(kind="timeout", where=f"your code for {key!r}",
                               summary=f"took longer than {timeout:g} s")
    except ProbeTimeout as error:
        if pending(error):
            raise
        return Failure(kind="crashed", where=f"your code for {key!r}", summary="it raised the grader's own timeout")
    except Exception as error:
        return Failure(kind="crashed", where=f"your code for {key!r}",
                       summary=f"{type(error).__name__}: {error}"[:400])


def settle_imports() -> None:
    """Once per process: put what is loaded so far (TensorFlow and Keras are about 400,000 objects)
    out of the cyclic collector's reach, so that its full collections during a grading walk only what
    the grading made (one such walk was 0.1 s). Objects alive now stay alive, as modules would anyway."""
    if gc.get_freeze_count() == 0:
        gc.freeze()


def probe_area(key: str, submission, scratch: Path):
    """Facts about one rubric area of a loaded submission."""
    quiet_tensorflow()
    references = probe_inputs(key)  # before seeding: the first call may probe reference/ (its own random draws)
    seed_everything()
    return area(key).probe_function()(submission, scratch, *references)


def probe_inputs(key: str) -> tuple:
    """The reference's facts an area's probe is handed after (submission, scratch): see `Area.uses`."""
    return tuple(recorded_reference(name) if name == key else reference_facts(name) for name in area(key).uses)


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
def reference_facts(key: str):
    """The reference solution's facts for an area: where every expected value comes from.

    Probed from reference/ when it is there, read from the committed profile when it
    is not; both pass through the profile's JSON form, so the verdicts cannot tell.
    """
    from grader.profile import profile_facts

    if reference_source() == "profile":
        return profile_facts(key)
    return settled(key, live_reference_facts(key), reference=True)


def recorded_reference(key: str):
    """The reference's facts for an area where the profile records them, else None (see Area.uses)."""
    return reference_facts(key) if reference_source() == "profile" else None


@functools.lru_cache(maxsize=None)
def live_reference_facts(key: str):
    """The facts of reference/ itself, probed in this process (what `grader profile` records).

    Most areas run their own probe on reference/; an area with a `reference_probe` makes the
    reference's facts its own way: for the training runs, the reference's callbacks replayed on
    the same script (no training); for the property test, the reference's callbacks replayed
    on the histories its own search tries.
    """
    from grader.probes.student_code import Submission

    quiet_tensorflow()
    seed_everything()
    declared = area(key)
    with tempfile.TemporaryDirectory(prefix="grader-reference-") as scratch:
        if declared.reference_probe:
            inputs = tuple(settled(name, live_reference_facts(name), reference=True)
                           for name in declared.reference_uses)
            reference = Submission(REFERENCE_DIR, workdir=Path(scratch) / "work")
            return declared.probe_function(reference=True)(reference, Path(scratch), *inputs)
        return probe_area(key, Submission(REFERENCE_DIR, workdir=Path(scratch) / "work"), Path(scratch))


def judge(rubric: Rubric, facts: dict, reference=reference_facts, only: set[str] | None = None,
          questions=None, secret=None) -> Grade:
    """The verdicts on a submission's facts (area key -> facts or Failure), in rubric order.

    The one place facts become a Grade. `reference(key)` gives the reference's facts of an
    area, for the public questions; `questions` and `secret` are the grading's (None: the
    public ones, as `pytest grader` asks), for which the reference's answers are made here
    (`grader.expected`), and against which the worker's answers and claims are checked first.
    `only` keeps the items whose ids it holds (the tests pytest selected).
    """
    from grader import expected as answers
    from grader.questions import asked, secret as public_secret

    questions = questions or asked(None)
    reference = answers.reference_for(questions, secret or public_secret(None), reference)
    facts, inconsistent = answers.check_answers(facts, questions)
    grade = Grade(hidden_elsewhere=rubric.hidden_elsewhere, inconsistent=inconsistent)
    for each in rubric.areas:  # an area switched off is not judged, whatever facts came for it
        if each.key not in facts:
            continue
        student, expected = facts[each.key], reference(each.key)
        grade.facts[each.key] = student
        grade.items += [judge_item(item, student, expected) for item in rubric.in_area(each.key)
                        if only is None or item.id in only]
        grade.notes += [note for note in notes_for(each.key, student, expected) if note not in grade.notes]
    return grade


def grade_submission(path, areas=None, rubric: Rubric | None = None, call_timeout: float | None = None,
                     asking: tuple[int | None, int | None] = (None, None)) -> Grade:
    """Probe and judge a submission folder in this process (the tests, and `grader grade`'s twin).

    `areas`: the keys of the areas to probe (default: the rubric's graded areas: an area
    switched off costs no time). `asking`: the seeds of the questions and of the held-out
    images, as a batch grading draws them (grader.questions; None: the public questions).
    """
    from grader.probes.student_code import CALL_TIMEOUT, Submission, shadowing_note
    from grader.questions import asked, secret, use

    rubric = rubric or load_rubric()
    areas = rubric.graded_areas if areas is None else areas
    questions = asked(*asking)
    use(questions)
    try:
        with tempfile.TemporaryDirectory(prefix="grader-scratch-") as scratch:
            submission = Submission(path, call_timeout=call_timeout or CALL_TIMEOUT, workdir=Path(scratch) / "work")
            note = shadowing_note(submission.keep_libraries_real(), submission)
            facts = {key: probe_safely(key, submission, Path(scratch)) for key in areas}
    finally:
        use(None)
    grade = judge(rubric, facts, questions=questions, secret=secret(asking[1]))
    grade.notes += submission.notes + ([note] if note else [])
    return grade

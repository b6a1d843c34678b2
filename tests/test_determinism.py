"""The same submission gets the same grade, every time.

Generated histories do not depend on what else the process has loaded, and every
fixture graded again, after all the others, gives byte-identical points and feedback.
The sweep is marked `determinism` and `pytest tests` leaves it out; CI runs it in the same
session as the suite (`pytest tests -n 2 -m "determinism or not determinism"`), where each
fixture's first grading is the fixture tests' own (in this worker process or the other), so
the sweep costs one grading a fixture. Run alone (`pytest tests -m determinism`) it grades each twice.
"""
import hashlib
import subprocess
import sys

import pytest

from grader.grading import grade_submission
from tests.conftest import HOSTILE, REPOSITORY, fixture_names

DIGEST = "import hashlib; from grader.probes.train import corpus; " \
         "print(hashlib.sha256(repr(corpus()).encode()).hexdigest())"
# Hostile fixtures that end or stall the process belong to the sandbox's tests.
IN_PROCESS_HOSTILE = ["always_equal", "exit_in_functions", "patch_isinstance", "patch_keras", "read_profile"]


def test_summarize_corpus_is_the_same_in_a_fresh_process():
    from grader.probes.train import corpus

    here = hashlib.sha256(repr(corpus()).encode()).hexdigest()
    fresh = subprocess.run([sys.executable, "-c", DIGEST], cwd=REPOSITORY, capture_output=True, text=True,
                           timeout=300)
    assert fresh.returncode == 0, fresh.stderr
    assert fresh.stdout.strip() == here


def grade_bytes(grade) -> bytes:
    """Everything a student or a gradebook sees of a grade, as bytes."""
    lines = [f"{item.id}\t{item.points!r}\t{item.passed}\t{item.feedback()}" for item in grade.items]
    return "\n".join(lines + ["--- notes ---"] + grade.notes).encode()


@pytest.mark.determinism
@pytest.mark.parametrize("name", ["reference", "stubs"] + fixture_names() + IN_PROCESS_HOSTILE)
def test_every_fixture_graded_again_gets_byte_identical_points_and_feedback(name, graded, submission_path):
    """Run after every other test (tests/conftest.py orders it last), in the same session as the
    fixture tests in CI: the first grading is theirs, made in another order and process state."""
    assert name in IN_PROCESS_HOSTILE or (HOSTILE / name).is_dir() is False
    first = grade_bytes(graded(name))  # graded once already by the fixture tests, in another order
    again = grade_bytes(grade_submission(submission_path(name)))
    assert again == first, name


def seeds_for(name: str) -> tuple[int, int]:
    """A secret seed of this fixture's own (the questions' and the held-out images'), as a batch draws them."""
    from grader.questions import grading_seed

    return grading_seed(20261130, name, "ask"), grading_seed(20261130, name, "held-out")


# Known open (issue 19): a borderline learner's model.learns depends on which 32 held-out images it meets
# (MobileNetV2 from scratch: 0.91 on the public ones, 0.75 on this seed's): more held-out images, or the
# rounds' stop judged on the same images, should take the luck out. Not strict: it passes on some seeds.
BORDERLINE = {"mistake_mobilenetv2": "model.learns of a borderline learner depends on the held-out sample"}


@pytest.mark.determinism
@pytest.mark.parametrize("name", [pytest.param(name, marks=pytest.mark.xfail(reason=BORDERLINE[name], strict=False))
                                  if name in BORDERLINE else name for name in ["reference", "stubs"] + fixture_names()])
def test_secret_questions_give_every_fixture_the_same_points(name, graded, submission_path):
    """Issue 19: a mistake is caught, and a correct submission passes, whatever the seed. Each
    fixture meets the questions of a seed of its own (every fixture another seed) and must earn,
    item by item, what it earns on the public questions; the feedback may differ (other histories)."""
    public = {item.id: item.points for item in graded(name).items}
    secret = grade_submission(submission_path(name), asking=seeds_for(name))
    assert secret.inconsistent is None, secret.inconsistent
    assert {item.id: item.points for item in secret.items} == public, name

"""Shared helpers for the grader's own tests: fixture submissions and grading them."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.quiet import quiet_tensorflow

quiet_tensorflow()

TESTS = Path(__file__).resolve().parent
REPOSITORY = TESTS.parent
SUBMISSIONS = TESTS / "submissions"
REFERENCE = REPOSITORY / "reference"
STUBS = REPOSITORY / "assignment"


def fixture_names() -> list[str]:
    return sorted(p.name for p in SUBMISSIONS.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))


def materialize(name: str, destination: Path) -> Path:
    """A complete submission: the reference's modules with the fixture's files laid over them.

    A fixture folder holds only the files in which it differs from the reference, so
    each one reads as exactly the mistake (or the variant) it stands for.
    """
    target = destination / name / "assignment"
    target.mkdir(parents=True)
    source = STUBS if name == "stubs" else REFERENCE
    for module in source.glob("*.py"):
        shutil.copy(module, target / module.name)
    if name not in ("stubs", "reference"):
        for module in (SUBMISSIONS / name).glob("*.py"):
            shutil.copy(module, target / module.name)
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

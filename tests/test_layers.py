"""The grader's layering is a checked contract (pyproject.toml, [tool.importlinter]).

Entry points over the grading loop over probes, verdicts and reports over the grade's
vocabulary: a verdict that imported a report, a report that imported the orchestrator or
a probe that imported a verdict would make `lint-imports` fail here, with the import chain.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPOSITORY

LINT = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))


def lint(root: Path) -> subprocess.CompletedProcess:
    if not Path(LINT).is_file():
        pytest.fail("import-linter is not installed: install the test extra, pip install -e '.[test]'")
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([LINT, str(REPOSITORY / "pyproject.toml"), "--no-cache"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_grader_keeps_its_layers():
    result = lint(REPOSITORY)
    assert result.returncode == 0 and "1 kept, 0 broken" in result.stdout, result.stdout + result.stderr


@pytest.mark.parametrize("module, wrong_import", [
    ("verdicts/model.py", "from grader.report.table import render_grade_table"),  # a verdict rendering
    ("report/results_json.py", "from grader.grading import judge"),  # a report reaching the orchestrator
    ("probes/data.py", "from grader.verdicts.data import split_slices"),  # a probe judging
    ("grade.py", "import grader.rubric"),  # the vocabulary reaching up
])
def test_a_wrong_import_breaks_the_contract(tmp_path, module, wrong_import):
    shutil.copytree(REPOSITORY / "grader", tmp_path / "grader",
                    ignore=shutil.ignore_patterns("__pycache__", "profile.json"))
    path = tmp_path / "grader" / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{wrong_import}\n", encoding="utf-8")
    result = lint(tmp_path)
    assert result.returncode != 0 and "BROKEN" in result.stdout, result.stdout + result.stderr


def test_every_module_of_the_grader_has_a_layer():
    """A module left out of the contract would be free to import anything: each one must be placed."""
    import re
    import tomllib

    config = tomllib.loads((REPOSITORY / "pyproject.toml").read_text(encoding="utf-8"))
    layers = config["tool"]["importlinter"]["contracts"][0]["layers"]
    placed = set(re.findall(r"grader\.[\w]+", " ".join(layers)))
    grader = REPOSITORY / "grader"
    modules = {f"grader.{path.stem}" for path in grader.glob("*.py") if path.stem != "__init__"}
    modules |= {f"grader.{path.parent.name}" for path in grader.glob("*/__init__.py")}
    assert modules - placed == set()

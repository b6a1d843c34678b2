"""The grader's command-line options, as a pytest plugin that pyproject.toml loads first (`-p grader.options`).

pytest reads the command line once before it knows any conftest.py's options, to find
the "initial conftests": every path on the command line is one. Were `--submission` defined
only in grader/conftest.py, `pytest grader --submission PATH` would read PATH as such a
path, and load PATH/conftest.py (and PATH/__init__.py with it) as part of pytest itself,
before any grading: a submission's conftest.py would run unguarded, outside its time
limit, and could end the run with no grade table. Registered from the command line, the
options are known at that first reading, so PATH is an option's value and nothing more.
grader/conftest.py adds them itself when this plugin was not loaded (a pytest run that did
not read this repository's pyproject.toml).
"""
from __future__ import annotations

PLUGIN = "grader.options"  # the name pytest registers this plugin under (`-p grader.options`)


def add_options(parser) -> None:
    group = parser.getgroup("grader", "grading a submission of the cats-vs-dogs assignment")
    group.addoption(
        "--submission",
        metavar="PATH",
        default=None,
        help="folder to grade: one holding assignment/ or data.py, model.py, callbacks.py, "
        "train.py (default: ./assignment)",
    )
    group.addoption(
        "--grader-json",
        metavar="PATH",
        default=None,
        help="also write the grade to PATH in Gradescope's results.json format",
    )
    group.addoption(
        "--grader-report",
        metavar="PATH",
        default=None,
        help="also write the grade as a self-contained HTML page, with plots of the training runs",
    )
    group.addoption(
        "--one-process",
        action="store_true",
        default=False,
        help="probe every area in this process, one after another (slower: by default a second process "
        "probes the areas that train the model at the same time, on Linux with two cores)",
    )


def pytest_addoption(parser):
    add_options(parser)

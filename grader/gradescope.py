"""Gradescope: the autograder bundle, and the command its run_autograder calls.

`grader gradescope-bundle OUT.zip` writes the zip to upload as a Gradescope
programming assignment's autograder. Gradescope unpacks it into /autograder/source, runs
`setup.sh` from there once when it builds the image, and copies `run_autograder` to
/autograder/run_autograder, which it runs for every submission (in /autograder/submission),
expecting /autograder/results/results.json. So the zip's top holds `setup.sh` (installs
Python, bubblewrap and this grader from /autograder/source), `run_autograder`, and the
project itself: pyproject.toml and grader/, with its profile and its hidden items
(Gradescope shows each test by its visibility), but no reference/.

`run_autograder` runs `grader gradescope-run /autograder/submission
/autograder/results/results.json` with the installed grader: the submission is graded
like one of a batch, in a sandboxed worker where bubblewrap works, and the score is
computed outside it. Whatever happens, a results.json is written, so Gradescope never
shows an empty result.
"""
from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from pathlib import Path

from grader.grading import REPOSITORY

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when the autograder image is built. The grader
# needs Python 3.11 or newer: choose the Ubuntu 24.04 base image (Python 3.12); on
# 22.04 this installs python3.11 from the distribution when it can.
set -euo pipefail
apt-get update -qq
apt-get install -y -qq python3 python3-pip python3-venv bubblewrap util-linux libseccomp2 >/dev/null
python=python3
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    apt-get install -y -qq python3.11 python3.11-venv >/dev/null || {
        echo "The grader needs Python 3.11 or newer: pick the Ubuntu 24.04 base image." >&2; exit 1; }
    python=python3.11
fi
"$python" -m venv /autograder/venv
/autograder/venv/bin/pip install --quiet --disable-pip-version-check /autograder/source
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for every submission. AUTOGRADER_ROOT is for trying it elsewhere.
root="${AUTOGRADER_ROOT:-/autograder}"
python="${AUTOGRADER_PYTHON:-$root/venv/bin/python}"
mkdir -p "$root/results"
cd "$root"  # not source/: the grader that runs is the one setup.sh installed
exec "$python" -m grader gradescope-run "$root/submission" "$root/results/results.json"
"""


class BundleError(RuntimeError):
    """The bundle cannot be made from this copy of the grader; the message says why."""


def build_bundle(out) -> Path:
    """The autograder zip: setup.sh, run_autograder and the project (pyproject.toml, grader/) at its top."""
    from grader.export import copy_grader
    from grader.rubric import load_rubric

    hidden = load_rubric().hidden_elsewhere
    if hidden or not (REPOSITORY / "grader" / "hidden").is_dir():
        raise BundleError(f"this copy of the grader has no grader/hidden (a students' copy?), so the bundle would "
                          f"leave out the hidden items{f' worth {hidden:g} points' if hidden else ''}. Build it in "
                          "the instructor's repository.")
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gradescope-") as scratch:
        source = Path(scratch) / "source"
        copy_grader(source / "grader", hidden=True)
        shutil.copy(REPOSITORY / "pyproject.toml", source / "pyproject.toml")
        (source / "README.md").write_text("The autograder of the cats-vs-dogs callbacks assignment.\n")
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, text in (("setup.sh", SETUP), ("run_autograder", RUN)):
                info = zipfile.ZipInfo(name)
                info.external_attr = 0o755 << 16
                archive.writestr(info, text)
            for path in sorted(source.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(source).as_posix())
    return out


def run(submission, results_path, timeout: float = 900) -> dict:
    """Grade one Gradescope submission folder into results.json, in the batch sandbox."""
    from grader.batch.run import run_batch
    from grader.batch.sandbox import Limits
    from grader.batch.submissions import BadSubmission, Entry, prepare

    results_path = Path(results_path)
    results_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(prefix="gradescope-run-") as scratch:
            folder = Path(scratch) / "class" / "submission"
            # Only what batch grading reads (the modules' folder's .py files), as it reads them: the
            # upload's other files, however deep or large, are never copied.
            notes: list[str] = []  # a notebook's, from its conversion here (the batch then sees modules)
            prepare(Entry(id="submission", path=Path(submission)), folder, notes)
            summary = run_batch(Path(scratch) / "class", Path(scratch) / "out", jobs=1,
                                limits=Limits(wall_seconds=timeout))
            results = json.loads((Path(scratch) / "out" / "submissions" / "submission" / "results.json").read_text())
            results["output"] += "".join(f"\nNote: {note}" for note in notes)
            results["output"] += ("\nYour code ran in an isolated sandbox; the score was computed outside it."
                                  if summary.isolated else
                                  f"\nYour code ran without the sandbox ({summary.isolation_problem}).")
    except BadSubmission as bad:
        results = {"score": 0, "output": f"Your submission could not be graded: {bad}.", "tests": [],
                   "visibility": "visible"}
    except Exception as error:  # never leave Gradescope without a results.json
        results = {"score": 0, "output": f"The autograder could not grade this submission: "
                                          f"{type(error).__name__}: {error}. Please tell your instructor.",
                   "tests": [], "visibility": "visible"}
    results_path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return results

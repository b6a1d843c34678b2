"""`from grader import check; check()`: grade a notebook from one of its own cells (Jupyter, Colab).

The cells the kernel has run (IPython's history, as last run: what the kernel now holds) are
converted like a notebook submission (grader.notebook), with each cell named by its execution
count, "In [7]", as Jupyter shows it. The grading runs in a subprocess, exactly as
`pytest grader` runs it, so that the kernel is left as it was: no TensorFlow state, no model
retrained, nothing the grading imports stays behind. The grade comes back as results.json and
is shown in the cell as a table: items, points, Expected / Found / Hint for each lost point,
and the total.
"""
from __future__ import annotations

import html
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from grader.areas import AREAS

GRADER_HOME = Path(__file__).resolve().parent.parent  # the folder holding grader/: the students' copy
CHECK_TIMEOUT = 600.0


class CheckError(RuntimeError):
    """check() cannot grade here; the message says what to do."""


def check(area: str | None = None, cells: list[str] | None = None, timeout: float = CHECK_TIMEOUT) -> "Checked":
    """Grade the notebook's definitions (every area, or `area`: "callbacks", "model", ...).

    `cells`: the sources to grade, in order; by default the cells this IPython kernel has run.
    """
    from grader.notebook import convert, write_package

    keys = [a.key for a in AREAS]
    if area is not None and area not in keys:
        raise CheckError(f"check({area!r}): the areas are {', '.join(map(repr, keys))}")
    sources = _kernel_history() if cells is None else list(cells)
    converted = convert(b"", "this notebook", cells=sources, label="In" if cells is None else "cell")
    with tempfile.TemporaryDirectory(prefix="grader-check-") as scratch:
        write_package(converted, Path(scratch) / "submission")
        results = Path(scratch) / "results.json"
        command = [sys.executable, "-m", "grader", "grade", str(Path(scratch) / "submission"),
                   "--grader-json", str(results)] + (["-m", area] if area else [])
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [str(GRADER_HOME), *filter(None, [os.environ.get("PYTHONPATH")])])}
        try:
            ran = subprocess.run(command, cwd=scratch, env=environment, capture_output=True, text=True,
                                 timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise CheckError(f"the grading took more than {timeout:.0f} s; run `pytest grader` in a terminal "
                             "to see where it stops") from None
        if not results.is_file():
            raise CheckError("the grading did not finish:\n" + (ran.stdout + ran.stderr)[-3000:])
        return Checked(json.loads(results.read_text(encoding="utf-8")), area)


def _kernel_history() -> list[str]:
    """The cells this IPython kernel has run, as typed, in execution order ("" for counts not kept)."""
    try:
        from IPython import get_ipython
    except ImportError:
        get_ipython = None
    shell = get_ipython() if get_ipython else None
    if shell is None:
        raise CheckError("check() grades the cells of a notebook, from inside it (Jupyter, Colab); in a terminal "
                         "run `pytest grader --submission work.ipynb`")
    history = list(shell.history_manager.input_hist_raw)  # [0] is "", then In [1], In [2], ...
    return history[1:-1] if len(history) > 1 else []  # the last one is this check's own cell


class Checked:
    """A grade as results.json has it; shown as a table in a notebook, as text elsewhere."""

    def __init__(self, results: dict, area: str | None = None):
        self.results, self.area = results, area

    @property
    def score(self) -> float:
        return float(self.results.get("score", 0))

    def lost(self) -> list[dict]:
        return [t for t in self.results.get("tests", []) if t.get("score", 0) < t.get("max_score", 0)]

    def __repr__(self) -> str:
        lines = [f"{t.get('number', '')} {t['name']}: {t['score']:g} / {t['max_score']:g}"
                 for t in self.results.get("tests", [])]
        return "\n".join(lines + [self._total()])

    def _total(self) -> str:
        first = (self.results.get("output") or "").splitlines()
        return first[0] if first else f"Total: {self.score:g} / {self.results.get('max_score', 0):g}"

    def _repr_html_(self) -> str:
        rows = []
        for test in self.results.get("tests", []):
            full = test.get("score", 0) >= test.get("max_score", 0)
            colour = "#1a7f37" if full else "#cf222e"
            name, _, description = test["name"].partition(": ")
            rows.append(
                f"<tr><td>{html.escape(str(test.get('number', '')))}</td><td><code>{html.escape(name)}</code></td>"
                f"<td>{html.escape(description)}</td><td style='text-align:right;color:{colour}'>"
                f"{test.get('score', 0):g}&nbsp;/&nbsp;{test.get('max_score', 0):g}</td></tr>")
            if not full and test.get("output"):
                rows.append(f"<tr><td></td><td colspan='3'><pre style='white-space:pre-wrap;margin:0'>"
                            f"{html.escape(test['output'])}</pre></td></tr>")
        notes = [line for line in (self.results.get("output") or "").splitlines()[1:] if line.strip()]
        shown_notes = "".join(f"<li>{html.escape(line.removeprefix('Note: '))}</li>" for line in notes)
        return ("<div class='grader-check'>"
                "<table><thead><tr><th>#</th><th>Item</th><th>What earns the points</th><th>Points</th></tr></thead>"
                f"<tbody>{''.join(rows)}</tbody></table>"
                + (f"<ul>{shown_notes}</ul>" if shown_notes else "")
                + f"<p><strong>{html.escape(self._total())}</strong></p></div>")

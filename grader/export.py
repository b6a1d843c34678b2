"""`grader export-student OUT`: the repository students receive.

It holds the stubs, the grader with its reference profile, a README for students and
the project file; no `reference/`, no hidden items and no instructor tests. Its
`pytest grader` reads the reference's facts from the profile and grades the visible
items exactly as the instructor's repository does.
"""
from __future__ import annotations

import re
import shutil
import string
from dataclasses import dataclass
from pathlib import Path

from grader.grading import REPOSITORY, REFERENCE_DIR
from grader.profile import PROFILE_PATH, REFERENCE_MODULES, ProfileError, read_profile, staleness
from grader.grade import points
from grader.rubric import load_rubric
from grader.stubs import NotAGitCheckout, committed_files, implemented, working_files

STUDENT_FILES = REPOSITORY / "student"  # files only the students' copy has (its README)
LEFT_OUT_OF_GRADER = {"hidden"}  # grader/hidden: instructor-only items and their verdicts
JUNK = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".hypothesis", "*.egg-info")


class ExportError(RuntimeError):
    """The export cannot be made; the message says what to do."""


@dataclass(frozen=True)
class Exported:
    path: Path
    files: int
    visible_points: float
    hidden_points: float
    edits_left_out: tuple[str, ...] = ()  # assignment/ files whose uncommitted edits the export left out


def export_student(out, notebook: bool = False) -> Exported:
    out = Path(out).resolve()
    _check_ready(out)
    stubs, edited = student_stubs()
    rubric = load_rubric()
    # Of the total: extra credit, hidden or not, is on top of it (and counted by the students' copy's
    # own [modes], which is this rubric.toml's).
    visible = sum(item.points for item in rubric.items if item.visibility == "visible" and not item.extra)
    hidden = rubric.max_points - visible

    out.mkdir(parents=True, exist_ok=True)
    for name, content in stubs.items():
        (out / "assignment" / name).parent.mkdir(parents=True, exist_ok=True)
        (out / "assignment" / name).write_bytes(content)
    copy_grader(out / "grader")
    _write_student_rubric(out / "grader" / "rubric.toml", hidden)
    _write_readme(out / "README.md", load_rubric(out / "grader" / "rubric.toml"), hidden)
    _write_pyproject(out / "pyproject.toml")
    shutil.copy(REPOSITORY / ".gitignore", out / ".gitignore")
    shutil.copytree(STUDENT_FILES / ".github", out / ".github")  # GitHub Classroom's autograding workflow
    if notebook:
        write_notebook(out / "assignment.ipynb", stubs, rubric.title)

    leaked = [p for p in ("reference", "tests", "grader/hidden") if (out / p).exists()]
    if leaked:  # cannot happen unless the code above changes; never hand out such a copy
        raise ExportError(f"the export would contain {', '.join(leaked)}")
    files = sum(1 for p in out.rglob("*") if p.is_file())
    return Exported(path=out, files=files, visible_points=visible, hidden_points=hidden, edits_left_out=edited)


def student_stubs(repository: Path = REPOSITORY) -> tuple[dict[str, bytes], tuple[str, ...]]:
    """assignment/ as committed (name -> content), and the files whose working copy differs from it.

    The working copy may hold the instructor's own try at the assignment: students get the
    last commit. Without git, the working copy is used. Either way a stub module whose
    functions are implemented is refused, naming them, rather than handed out.
    """
    here = working_files(repository / "assignment")
    try:
        stubs, whence = committed_files(repository, "assignment"), "as last committed"
        # committed files changed on disk, and modules added beside them (not notebooks' checkpoints, say)
        edited = tuple(f"assignment/{name}" for name in sorted(set(stubs) | {n for n in here if n.endswith(".py")})
                       if stubs.get(name) != here.get(name))
    except NotAGitCheckout:
        stubs, whence, edited = here, "(no commit holds it here: the files on disk)", ()
    solved = [f"assignment/{name}: {', '.join(implemented(stubs[name]))} implemented"
              for name in REFERENCE_MODULES if name in stubs and implemented(stubs[name])]
    missing = [f"assignment/{name} missing" for name in REFERENCE_MODULES if name not in stubs]
    if solved or missing:
        raise ExportError(f"assignment/ {whence} is not the stubs students should get: {'; '.join(solved + missing)}. "
                          "Put the stubs back (each function body raises NotImplementedError with its TODO), "
                          "commit them, and export again.")
    return stubs, edited


def _check_ready(out: Path) -> None:
    if not REFERENCE_DIR.is_dir():
        raise ExportError("export-student runs in the instructor's repository (the one with reference/).")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ExportError(f"{out} already exists and is not empty; give a new or empty folder.")
    if out == REPOSITORY or any(out.is_relative_to(REPOSITORY / d) for d in ("grader", "assignment")):
        raise ExportError("give a folder outside grader/ and assignment/, not the repository itself.")
    try:
        problems = staleness(read_profile(), REFERENCE_DIR)
    except ProfileError as error:
        raise ExportError(str(error)) from None
    if problems:
        raise ExportError(f"{PROFILE_PATH.name} is out of date ({'; '.join(problems)}). "
                          "Run `grader profile` first, so that students are graded against the "
                          "reference as it is now.")


def copy_grader(destination: Path, hidden: bool = False) -> Path:
    """A copy of grader/ without caches, and without hidden/ unless `hidden`.

    The one place that decides what a copy of the grader leaves out: the students'
    export and the sandbox's staged grader leave out the hidden checks; the Gradescope
    bundle keeps them (Gradescope hides those tests itself).
    """
    source = REPOSITORY / "grader"

    def ignore(folder: str, names: list[str]) -> set[str]:
        ignored = set(JUNK(folder, names))
        if not hidden and Path(folder) == source:
            ignored |= LEFT_OUT_OF_GRADER & set(names)
        return ignored

    shutil.copytree(source, destination, ignore=ignore)
    return destination


def _write_student_rubric(path: Path, hidden: float) -> None:
    """The rubric with `hidden_points`, a top-level key: before the first [table]."""
    text = path.read_text(encoding="utf-8")
    first_table = re.search(r"^\[", text, re.MULTILINE)
    if first_table is None or "hidden_points" in text:
        raise ExportError("grader/rubric.toml: expected [[items]] tables and no `hidden_points` key")
    note = ("# Points graded by the instructor's hidden checks, which this copy does not have.\n"
            f"hidden_points = {hidden:g}\n\n")
    path.write_text(text[:first_table.start()] + note + text[first_table.start():], encoding="utf-8")


def _write_readme(path: Path, rubric, hidden: float) -> None:
    rows = []
    for area in rubric.areas:
        items = rubric.in_area(area.key)
        extra = " (extra credit)" if rubric.mode(area.key) == "extra" else ""
        rows.append(f"| **{area.number}** | **{area.title}{extra}** | **{sum(i.points for i in items):g}** |")
        rows += [f"| {i.number} | {i.description} | {i.points:g} |" for i in items]
    hidden_note = (f"Your instructor also grades {points(hidden)} with hidden checks after you "
                   "submit; `pytest grader` does not run them." if hidden else "")
    template = string.Template((STUDENT_FILES / "README.md").read_text(encoding="utf-8"))
    path.write_text(template.substitute(
        title=rubric.title,
        items=len(rubric.items),
        points=f"{rubric.max_points:g}" + (f", + {rubric.extra_points:g} extra credit" if rubric.extra_points else ""),
        rubric_rows="\n".join(rows),
        hidden_note=hidden_note,
        area_keys=", ".join(f"`{area.key}` ({area.number})" for area in rubric.areas),
    ), encoding="utf-8")


# The steps of the notebook, in order: the stub modules (their docstring, then their code).
NOTEBOOK_STEPS = ("data", "model", "callbacks", "train", "explore")
NOTEBOOK_INTRO = """\
# {title}

Work through the steps below in order: in each code cell, replace `raise NotImplementedError`
with your code, following the `TODO` comments, and keep the names of the functions and constants.
Run a cell after you change it.

The last cell grades what you have run: `check()` shows the grade table below it, with
*Expected / Found / Hint* for every lost point (`check("callbacks")` grades one step). The
grader takes only your definitions (imports, functions, classes, constants): a cell that trains
for 50 epochs, downloads the dataset or plots is never run by it, so add such cells freely.

*In Colab*, first put your copy of the assignment's repository in the runtime and install it
(one cell): `!git clone <your repository's URL> assignment-repo`, then `%cd assignment-repo` and
`!pip install -q -e .` ([the repository's README](README.md) says more).
"""


def write_notebook(path: Path, stubs: dict[str, bytes], title: str) -> Path:
    """assignment.ipynb: a markdown cell per step (the stub's docstring), a code cell per stub (its
    code, TODOs included), and the cell that grades the notebook."""
    import ast

    import nbformat

    cells = [nbformat.v4.new_markdown_cell(NOTEBOOK_INTRO.format(title=title).strip())]
    for step in NOTEBOOK_STEPS:
        source = stubs.get(f"{step}.py", b"").decode("utf-8")
        if not source:
            continue
        tree = ast.parse(source)
        docstring = ast.get_docstring(tree) or step
        first = tree.body[0] if tree.body and isinstance(tree.body[0], ast.Expr) else None
        code = "\n".join(source.splitlines()[first.end_lineno:]) if first else source
        heading, _, rest = docstring.partition("\n")
        cells.append(nbformat.v4.new_markdown_cell(f"## {heading.strip()}" + (f"\n\n{rest.strip()}" if rest.strip() else "")))
        cells.append(nbformat.v4.new_code_cell(code.strip("\n")))
    cells.append(nbformat.v4.new_markdown_cell("## Check your work\n\nRun this cell (again) after running the "
                                               "cells above: it grades the definitions the notebook holds now."))
    cells.append(nbformat.v4.new_code_cell("from grader import check\n\ncheck()"))
    notebook = nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}})
    nbformat.validate(notebook)
    nbformat.write(notebook, str(path))
    return path


INSTRUCTOR_ONLY = "# Only the instructor's repository needs what follows"


def _write_pyproject(path: Path) -> None:
    text = (REPOSITORY / "pyproject.toml").read_text(encoding="utf-8")
    testpaths = 'testpaths = ["tests"]'
    if text.count(testpaths) != 1 or text.count(INSTRUCTOR_ONLY) != 1:
        raise ExportError(f"pyproject.toml: expected one `{testpaths}` line to point at grader/, and one "
                          f"`{INSTRUCTOR_ONLY}` line before the instructor-only tables")
    text = text[:text.index(INSTRUCTOR_ONLY)].rstrip("\n") + "\n"  # the test extra, the layering contract
    text = text.replace(testpaths, 'testpaths = ["grader"]')
    text = text.replace(', "hidden/rubric.toml", "hidden/held_back.json"', "")  # there is no grader/hidden here
    text = text.replace("`pytest tests` runs the grader's own tests.", "a bare `pytest` grades too.")
    path.write_text(text, encoding="utf-8")

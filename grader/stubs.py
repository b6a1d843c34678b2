"""What students start from: assignment/ as the repository committed it, and which functions are still stubs.

The instructor's working copy of assignment/ is where the README invites anyone to try
the assignment, so it may hold a solution. `grader export-student` takes the stubs from
the last commit instead (git), and refuses to hand out any function that is implemented.
"""
from __future__ import annotations

import ast
import subprocess
from pathlib import Path


class NotAGitCheckout(Exception):
    """The repository is not a git checkout (or git is missing): there is no commit to read."""


def committed_files(repository: Path, folder: str) -> dict[str, bytes]:
    """`folder`'s files (relative to it) as HEAD holds them; the repository may sit in a larger checkout."""
    def git(*args) -> bytes:
        return subprocess.run(["git", "-C", str(repository), *args], capture_output=True, check=True,
                              timeout=60).stdout

    try:
        listed = git("ls-tree", "-r", "-z", "--name-only", "HEAD", "--", folder)
        names = [name for name in listed.decode("utf-8", errors="surrogateescape").split("\0") if name]
        if not names:  # untracked here (a copy inside someone else's checkout): nothing was committed
            raise NotAGitCheckout(f"git tracks nothing under {folder}/")
        # paths as ls-tree gives them are relative to `repository`; "./" keeps them so for git show
        return {Path(name).relative_to(folder).as_posix(): git("show", f"HEAD:./{name}") for name in names}
    except (OSError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        raise NotAGitCheckout(str(error)) from None


def working_files(folder: Path) -> dict[str, bytes]:
    """The files under `folder` as they are on disk (caches left out)."""
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*"))
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"}


def implemented(source: bytes) -> list[str]:
    """The top-level functions (and classes' methods) of a module whose body does more than raise
    NotImplementedError.

    A stub's body is a docstring, comments (its TODO) and `raise NotImplementedError(...)`.
    A module that does not parse counts as implemented (it is no longer the stub).
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return ["(the file does not parse)"]
    names = []
    functions = [(getattr(node, "name", ""), node) for node in tree.body]
    functions += [(f"{node.name}.{getattr(method, 'name', '')}", method)  # and the methods of top-level classes
                  for node in tree.body if isinstance(node, ast.ClassDef) for method in node.body]
    for name, node in functions:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        body = node.body[1:] if node.body and _is_docstring(node.body[0]) else node.body
        if not (len(body) == 1 and isinstance(body[0], ast.Raise) and _names_not_implemented(body[0].exc)):
            names.append(name)
    return names


def _is_docstring(statement) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant) \
        and isinstance(statement.value.value, str)


def _names_not_implemented(exc) -> bool:
    target = exc.func if isinstance(exc, ast.Call) else exc
    return isinstance(target, ast.Name) and target.id == "NotImplementedError"

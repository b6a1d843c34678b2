"""Finding a submission, importing its modules one by one, and calling into them safely.

Each module is imported on its own, so a syntax error in train.py never hides the
grade of callbacks.py. Student code may import its siblings as `assignment.x`, or
relatively; while a submission loads, the name `assignment` points at it.
"""
from __future__ import annotations

import contextlib
import importlib
import importlib.machinery
import importlib.util
import itertools
import sys
import traceback
import types
from pathlib import Path

from grader.facts import Failure

MODULES = ("data", "model", "callbacks", "train")
_package_counter = itertools.count()


class ProbeTimeout(BaseException):
    """Raised by the grader's alarm when student code runs too long.

    A BaseException, so that a student's `except Exception` cannot swallow it, and
    `Submission.call` lets it through to the probe's caller.
    """


class SubmissionNotFound(Exception):
    """The path holds neither assignment/ nor the assignment's module files."""


def find_package_dir(path) -> Path:
    """The folder holding data.py, model.py, callbacks.py, train.py for a submission path."""
    path = Path(path).resolve()
    if not path.is_dir():
        raise SubmissionNotFound(f"{path} is not a folder")
    for candidate in (path / "assignment", path):
        if any((candidate / f"{name}.py").is_file() for name in MODULES):
            return candidate
    expected = ", ".join(f"{name}.py" for name in MODULES)
    raise SubmissionNotFound(
        f"{path} holds neither an assignment/ folder nor any of {expected}"
    )


class Submission:
    """One submission's modules, imported lazily and at most once each."""

    def __init__(self, path):
        self.root = find_package_dir(path)
        self.package_name = f"_graded_submission_{next(_package_counter)}"
        self._modules: dict[str, types.ModuleType | Failure] = {}
        self._package = None
        # Facts one probe learned and another can reuse (e.g. the label format the
        # model's loss accepts), so that no probe pays twice for the same answer.
        self.memo: dict[str, object] = {}

    def module(self, name: str) -> types.ModuleType | Failure:
        if name not in self._modules:
            self._modules[name] = self._import(name)
        return self._modules[name]

    def function(self, module_name: str, function_name: str):
        """The student's function, or the Failure that stands in its way."""
        module = self.module(module_name)
        if isinstance(module, Failure):
            return module
        function = getattr(module, function_name, None)
        if not callable(function):
            return Failure(
                kind="missing",
                where=f"{function_name}() in {module_name}.py",
                summary=f"{module_name}.py defines no function named {function_name}",
            )
        return function

    def call(self, function, *args, **kwargs):
        """(result, None) when the call returns, (None, Failure) when it raises or exits."""
        where = f"{getattr(function, '__name__', 'function')}()"
        try:
            with self._as_assignment():
                return function(*args, **kwargs), None
        except (KeyboardInterrupt, ProbeTimeout):
            raise
        except BaseException as error:  # student code may raise anything, SystemExit included
            return None, self.describe(error, where)

    def describe(self, error: BaseException, where: str) -> Failure:
        if isinstance(error, SystemExit):
            return Failure(kind="exited", where=where, summary=f"exit code {error.code!r}",
                           traceback=self._student_traceback(error))
        if isinstance(error, NotImplementedError) and self._raised_by_student(error):
            return Failure(kind="not_implemented", where=where, summary=str(error))
        return Failure(
            kind="raised",
            where=where,
            summary=_one_line(error),
            traceback=self._student_traceback(error),
        )

    # -- importing ---------------------------------------------------------------------

    def _import(self, name: str):
        where = f"{name}.py"
        if not (self.root / where).is_file():
            return Failure(kind="missing", where=where, summary=f"there is no {where} in {self.root.name}/")
        try:
            with self._as_assignment():
                return importlib.import_module(f"{self.package_name}.{name}")
        except (KeyboardInterrupt, ProbeTimeout):
            raise
        except BaseException as error:
            failure = self.describe(error, where)
            if failure.kind == "raised":
                failure = Failure(kind="import_error", where=where, summary=failure.summary,
                                  traceback=failure.traceback)
            return failure

    def _ensure_package(self):
        if self._package is None:
            init = self.root / "__init__.py"
            if init.is_file():
                spec = importlib.util.spec_from_file_location(
                    self.package_name, init, submodule_search_locations=[str(self.root)]
                )
            else:  # four loose modules: a package with no __init__ of its own
                spec = importlib.machinery.ModuleSpec(self.package_name, None, is_package=True)
                spec.submodule_search_locations = [str(self.root)]
            package = importlib.util.module_from_spec(spec)
            sys.modules[self.package_name] = package
            if init.is_file():
                spec.loader.exec_module(package)
            self._package = package
        return self._package

    @contextlib.contextmanager
    def _as_assignment(self):
        """Let `import assignment.x` inside student code reach this submission's files.

        Called around every call into student code, so it touches only the names it
        needs; it scans sys.modules only when the call imported something new.
        """
        names = ["assignment", *(f"assignment.{name}" for name in MODULES)]
        saved = {name: sys.modules.pop(name) for name in names if name in sys.modules}
        sys.modules["assignment"] = self._ensure_package()
        for name in MODULES:
            loaded = sys.modules.get(f"{self.package_name}.{name}")
            if loaded is not None:
                sys.modules[f"assignment.{name}"] = loaded
        count = len(sys.modules)
        try:
            yield
        finally:
            if len(sys.modules) != count:
                names += [k for k in sys.modules if k.startswith("assignment.")]
            for name in names:
                sys.modules.pop(name, None)
            sys.modules.update(saved)

    # -- tracebacks --------------------------------------------------------------------

    def _is_student_file(self, filename: str) -> bool:
        try:
            Path(filename).resolve().relative_to(self.root)
            return True
        except (ValueError, OSError):
            return False

    def _raised_by_student(self, error: BaseException) -> bool:
        frames = traceback.extract_tb(error.__traceback__)
        return bool(frames) and self._is_student_file(frames[-1].filename)

    def _student_traceback(self, error: BaseException) -> str:
        """The traceback a beginner needs: their own lines, then the error."""
        frames = [f for f in traceback.extract_tb(error.__traceback__) if self._is_student_file(f.filename)]
        for frame in frames:
            frame.filename = str(Path(frame.filename).resolve().relative_to(self.root))
        lines = ["Traceback (your code, most recent call last):\n"] if frames else []
        lines += traceback.format_list(frames)
        exception_lines = traceback.format_exception_only(type(error), error)
        if isinstance(error, SyntaxError) and error.filename:
            # Show "callbacks.py", not an absolute path that differs on every machine.
            exception_lines = [
                line.replace(error.filename, _relative(error.filename, self.root))
                for line in exception_lines
            ]
        return "".join(lines + exception_lines).rstrip()


def _relative(filename: str, root: Path) -> str:
    try:
        return str(Path(filename).resolve().relative_to(root))
    except ValueError:
        return Path(filename).name


def _one_line(error: BaseException) -> str:
    text = traceback.format_exception_only(type(error), error)[-1].strip()
    if isinstance(error, SyntaxError):
        text = f"SyntaxError: {error.msg} ({Path(error.filename or '?').name}, line {error.lineno})"
    return text if len(text) <= 400 else text[:397] + "..."

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
import os
import re
import shutil
import sys
import tempfile
import traceback
import types
import weakref
from pathlib import Path

from grader.facts import Failure
from grader.limits import ProbeTimeout, alarm_blocked, pending, time_limit
from grader.notebook import KERNEL_MODULE, MODULE_NAMES, NotANotebook, convert, failure_of, notebook_in, write_package
from grader.probes import guard

MODULES = ("data", "model", "callbacks", "train")
# Graded where the rubric grades its step; a submission without it is still a submission.
OPTIONAL_MODULES = ("explore",)
_package_counter = itertools.count()

# Seconds one call into student code (or one import of a module) may take. The slowest
# honest call, a training run of a large model, takes about 20 s here; a call that hangs
# costs the items that need its result, with this limit in the message.
CALL_TIMEOUT = 60.0

__all__ = ["CALL_TIMEOUT", "MODULES", "OPTIONAL_MODULES", "ProbeTimeout", "Submission", "SubmissionNotFound", "find_package_dir"]


class _ExitCalled(SystemExit):
    """os._exit() called by student code, turned into an exit the grader can report."""


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

    def __init__(self, path, call_timeout: float = CALL_TIMEOUT, workdir=None):
        # A notebook (work.ipynb, or the only one in the folder given): its definitions, converted
        # (grader.notebook) into a package of modules in a folder of its own, graded like any other.
        self.notebook: str | None = None  # the notebook's file name, when the submission is one
        self.notes: list[str] = []  # what the conversion has to tell the student
        given = Path(path).resolve()
        notebook = notebook_in(given)
        if notebook is not None:
            path = self._converted(notebook)
        self.root = find_package_dir(path)
        # assignment/ and the folder given (a notebook's: the folder it was converted into; the folder
        # the notebook is in holds nothing the grading imports)
        self.folders = tuple(dict.fromkeys((self.root, Path(path).resolve())))
        self.call_timeout = call_timeout
        # The working folder of every call into student code: relative paths it writes land
        # there, never in the grader's repository or the folder pytest was started in. A
        # scratch folder of the caller's, or one of its own, made at the first call.
        self.workdir = Path(workdir) if workdir is not None else None
        self.package_name = f"_graded_submission_{next(_package_counter)}"
        self._modules: dict[str, types.ModuleType | Failure] = {}
        self._package = None
        self._initialised = False  # __init__.py has run (or there is none)
        self._package_failure: Failure | None = None  # __init__.py raised: no module of the package loads
        # Facts one probe learned and another can reuse (e.g. the label format the
        # model's loss accepts), so that no probe pays twice for the same answer.
        self.memo: dict[str, object] = {}
        # Functions that ran out of time once: called again, they fail at once with the same
        # reason, so one endless loop costs its time limit once, not once per call.
        self._timed_out: dict[str, Failure] = {}

    def _converted(self, notebook: Path) -> Path:
        try:
            converted = convert(notebook.read_bytes(), notebook.name)
        except (OSError, NotANotebook) as error:
            raise SubmissionNotFound(f"{notebook.name}: {getattr(error, 'strerror', None) or error}") from None
        folder = Path(tempfile.mkdtemp(prefix="grader-notebook-"))
        weakref.finalize(self, shutil.rmtree, folder, True)
        write_package(converted, folder)
        self.notebook, self.notes = notebook.name, list(converted.notes)
        return folder

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
            failed = failure_of(self.module(KERNEL_MODULE), function_name) if self.notebook else None
            if failed:  # the notebook defines it, but defining it raised (a default that reads a dropped name)
                return Failure(kind="import_error", where=f"{function_name}() in {self.notebook}",
                               summary=f"defining {function_name} raised {failed}")
            return Failure(
                kind="missing",
                where=f"{function_name}() in {self.notebook or module_name + '.py'}",
                summary=f"{self.notebook or module_name + '.py'} defines no function named {function_name}",
            )
        return function

    def call(self, function, *args, **kwargs):
        """(result, None) when the call returns, (None, Failure) when it raises or exits."""
        where = f"{getattr(function, '__name__', 'function')}()"
        module = str(getattr(function, "__module__", "") or "")
        students = module == self.package_name or module.startswith(self.package_name + ".")
        key = f"{module}.{getattr(function, '__qualname__', where)}"
        if students and key in self._timed_out:
            return None, self._timed_out[key]
        # The grader's own wrappers and Keras's fit get twice the limit, so that a student
        # function they call runs out of time first and is the one named.
        limit = self.call_timeout if students else 2 * self.call_timeout
        with self._guarded(where, limit) as outcome:
            outcome.value = function(*args, **kwargs)
        if students and outcome.failure is not None and outcome.failure.kind == "timeout":
            self._timed_out[key] = outcome.failure
        return outcome.value, outcome.failure

    @contextlib.contextmanager
    def _guarded(self, where: str, seconds: float | None = None):
        """Run student code: under the call's time limit, with the grader's world put back after.

        Whatever the block raises (SystemExit and os._exit() included) becomes the
        outcome's Failure; so does running past the limit, and replacing a builtin or a
        Keras class the grader relies on (which is undone at once).
        """
        outcome = _Outcome()
        previous_cwd = _cwd()
        os.chdir(self._working_folder())
        before = guard.snapshot()
        real_exit = os._exit
        os._exit = _exit_called
        try:
            with time_limit(seconds or self.call_timeout) as limit:
                try:
                    with self._as_assignment():
                        yield outcome
                except ProbeTimeout as error:
                    if limit is None or error.limit is not limit:
                        raise  # the area's limit (or one student code made up: see below)
                    outcome.failure = Failure(kind="timeout", where=where, summary=f"took longer than {limit.seconds:g} s",
                                              traceback=self._student_traceback(error))
        except KeyboardInterrupt:
            raise
        except ProbeTimeout as error:
            if pending(error):
                raise  # the area is over
            outcome.failure = self.failure_of(error, where)  # raised by the student's own code
        except BaseException as error:  # student code may raise anything, SystemExit included
            outcome.failure = self.failure_of(error, where)
        finally:
            with alarm_blocked():
                os._exit = real_exit
                replaced = guard.restore(before)
                _chdir_back(previous_cwd)
        if replaced and outcome.failure is None:
            outcome.value = None
            outcome.failure = Failure(kind="tampered", where=where,
                                      summary=f"it replaced {', '.join(replaced)} (the grader put it back)")

    def failure_of(self, error: BaseException, where: str) -> Failure:
        """The Failure a student reads for an exception their code raised (or an exit it called)."""
        if isinstance(error, _ExitCalled):
            return Failure(kind="exited", where=where, summary=f"os._exit({error.code!r})",
                           traceback=self._student_traceback(error))
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

    @contextlib.contextmanager
    def working_in(self, folder: Path):
        """Calls into student code in this block run in `folder` (a probe's own scratch folder)."""
        saved, self.workdir = self.workdir, Path(folder)
        try:
            yield
        finally:
            self.workdir = saved

    def _working_folder(self) -> Path:
        if self.workdir is None:
            self.workdir = Path(tempfile.mkdtemp(prefix="grader-work-"))
            weakref.finalize(self, shutil.rmtree, str(self.workdir), ignore_errors=True)
        self.workdir.mkdir(parents=True, exist_ok=True)
        return self.workdir

    # -- files named like libraries ------------------------------------------------------

    def shadowing_files(self) -> list[tuple[str, str]]:
        """(file, module) for each file of the submission named like a module Python finds elsewhere.

        A keras.py beside train.py is the keras that `import keras` gets wherever that
        folder comes first on sys.path: when the student runs `python train.py`, or when
        pytest was started in that folder.
        """
        found = []
        path = [entry for entry in sys.path if not self._is_submission_folder(entry)]
        for folder in self.folders:
            for entry in sorted(folder.iterdir()):
                name = entry.stem if entry.suffix == ".py" and entry.is_file() else entry.name
                if not (entry.suffix == ".py" or (entry / "__init__.py").is_file()):
                    continue
                if not name.isidentifier() or name.startswith("_") or name in MODULES or name in _OWN_NAMES:
                    continue
                origin = _origin(name, path)
                if origin is not None and Path(origin).resolve() not in (entry.resolve(), (entry / "__init__.py").resolve()):
                    found.append((str(entry.relative_to(self.folders[-1])) + ("/" if entry.is_dir() else ""), name))
        return found

    def keep_libraries_real(self) -> list[tuple[str, str]]:
        """Make sure that the grader, and student code, import the real modules the submission's files are named like.

        The submission's folders leave sys.path (its modules load through their package, not
        through sys.path), except one that holds the running grader (a student's own copy of the
        repository); each module a file is named like is imported now, from everywhere but there,
        so that a later `import keras`, the grader's or the student's, finds it in sys.modules.
        Returns the files, for a note (see `shadowing_note`).
        """
        shadows = self.shadowing_files()
        grader_home = Path(__file__).resolve().parents[2]
        sys.path[:] = [entry for entry in sys.path
                       if not (self._is_submission_folder(entry) and _resolved(entry) != grader_home)]
        saved = list(sys.path)
        sys.path[:] = [entry for entry in saved if not self._is_submission_folder(entry)]
        try:
            for _, name in shadows:
                if name not in sys.modules and name not in _NEVER_IMPORT:
                    try:
                        importlib.import_module(name)
                    except Exception:  # noqa: BLE001  a library that fails to import is not the grader's to need
                        pass
        finally:
            sys.path[:] = saved
        return shadows

    def importers_of(self, name: str) -> list[str]:
        """The submission's modules with an `import name` or `from name import` line."""
        pattern = re.compile(rf"^\s*(import|from)\s+{re.escape(name)}\b", re.MULTILINE)
        found = []
        for module in MODULES:
            try:
                if pattern.search((self.root / f"{module}.py").read_text(encoding="utf-8", errors="replace")):
                    found.append(f"{module}.py")
            except OSError:
                pass
        return found

    def _is_submission_folder(self, entry: str) -> bool:
        return _resolved(entry) in self.folders

    # -- importing ---------------------------------------------------------------------

    def _import(self, name: str):
        where = f"{name}.py"
        if not (self.root / where).is_file():
            if self.notebook:  # the notebook has none of the step's definitions (explore's, say)
                return Failure(kind="missing", where=where, summary=f"{self.notebook} defines none of "
                                                                    f"{', '.join(MODULE_NAMES.get(name, ()))}")
            return Failure(kind="missing", where=where, summary=f"there is no {where} in {self.root.name}/")
        failure = self._initialise_package()
        if failure is not None:
            return failure
        with self._guarded(where) as outcome:
            outcome.value = importlib.import_module(f"{self.package_name}.{name}")
        failure = outcome.failure
        if failure is None:
            return outcome.value
        if failure.kind == "raised":
            failure = Failure(kind="import_error", where=where, summary=failure.summary,
                              traceback=failure.traceback)
        return failure

    def _ensure_package(self):
        """The package the modules load into, created (its __init__.py not yet run: see below)."""
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
            self._package = package
        return self._package

    def _initialise_package(self) -> Failure | None:
        """Run the submission's __init__.py once, guarded like any student code; its Failure if it fails.

        Python runs a package's __init__.py before any of its modules, so a student whose
        __init__.py raises cannot import their modules either: every module reports it.
        """
        package = self._ensure_package()
        if package.__spec__.loader is None or self._initialised:
            return self._package_failure
        self._initialised = True
        with self._guarded("__init__.py") as outcome:
            package.__spec__.loader.exec_module(package)
        failure = outcome.failure
        if failure is not None and failure.kind == "raised":
            failure = Failure(kind="import_error", where="__init__.py", summary=failure.summary,
                              traceback=failure.traceback)
        self._package_failure = failure
        return failure

    @contextlib.contextmanager
    def _as_assignment(self):
        """Let `import assignment.x` inside student code reach this submission's files.

        Called around every call into student code, so it touches only the names it
        needs; it scans sys.modules only when the call imported something new.
        """
        names = ["assignment", *(f"assignment.{name}" for name in MODULES + OPTIONAL_MODULES)]
        saved = {name: sys.modules.pop(name) for name in names if name in sys.modules}
        sys.modules["assignment"] = self._ensure_package()
        for name in MODULES + OPTIONAL_MODULES:
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
            relative = Path(filename).resolve().relative_to(self.root)
        except (ValueError, OSError):
            return False
        # a notebook's cells are the student's lines; the modules written to run them are not
        return not (self.notebook and relative.suffix == ".py"
                    and relative.stem in (KERNEL_MODULE, *MODULE_NAMES, "__init__"))

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


class _Outcome:
    value = None
    failure: Failure | None = None


# Names the submission's own files may have: the package's, and pytest's, which the grader never loads.
_OWN_NAMES = {"assignment", "conftest", "setup", "test", "tests"}
# Modules that do something when imported (open a browser, print, start a GUI): never imported ahead.
_NEVER_IMPORT = {"antigravity", "this", "turtle", "turtledemo", "idlelib", "tkinter"}


def _resolved(entry: str) -> Path | None:
    try:
        return Path(entry or os.curdir).resolve()
    except (OSError, RuntimeError):
        return None


def _origin(name: str, path: list[str]) -> str | None:
    """Where `import name` would load from with `path` as sys.path (None: nowhere, or nowhere on disk)."""
    loaded = sys.modules.get(name)
    if loaded is not None:
        return getattr(loaded, "__file__", None) or "(built in)"
    if name in sys.builtin_module_names:
        return "(built in)"
    try:
        spec = importlib.machinery.PathFinder.find_spec(name, path)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    return spec.origin if spec.origin not in (None, "namespace") else str(next(iter(spec.submodule_search_locations or []), "")) or None


def shadowing_note(shadows: list[tuple[str, str]], submission: Submission | None = None) -> str | None:
    """The note a student reads about files named like modules they (or the grader) import."""
    if not shadows:
        return None

    def described(file: str, name: str) -> str:
        importers = submission.importers_of(name) if submission is not None else []
        imported = f", which {' and '.join(importers)} import{'s' if len(importers) == 1 else ''}" if importers else ""
        return f"{file} (named like the module {name}{imported})"

    files = ", ".join(described(file, name) for file, name in shadows)
    return (f"Your submission holds {files}. The grader ignored {'it' if len(shadows) == 1 else 'them'} and used "
            "the real module, but wherever that folder comes first on Python's path (when you run "
            "`python train.py` there, say), `import` finds your file instead, and the library breaks. "
            "Rename the file.")


def _exit_called(code=0):
    raise _ExitCalled(code)


def _cwd() -> str | None:
    try:
        return os.getcwd()
    except OSError:  # the folder was removed under us
        return None


def _chdir_back(folder: str | None) -> None:
    try:
        os.chdir(folder or tempfile.gettempdir())
    except OSError:
        os.chdir(tempfile.gettempdir())


def _relative(filename: str, root: Path) -> str:
    try:
        return str(Path(filename).resolve().relative_to(root))
    except ValueError:
        return Path(filename).name


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _one_line(error: BaseException) -> str:
    """The exception as one line of plain text: Keras's messages span lines, carry terminal colour
    codes and end in a list of the arguments a layer received, none of which helps in a table."""
    text = _ANSI.sub("", "".join(traceback.format_exception_only(type(error), error)))
    text = " ".join(text.split("Arguments received by", 1)[0].split())
    if isinstance(error, SyntaxError):
        text = f"SyntaxError: {error.msg} ({Path(error.filename or '?').name}, line {error.lineno})"
    return text if len(text) <= 400 else text[:397] + "..."

"""A notebook as a submission: the definitions of its code cells, taken by their syntax, never run.

Students of the course work in Jupyter or Colab, where a notebook holds the assignment's
functions among everything else: `!pip install`, `tfds.load` of the real dataset, a 50-epoch
`model.fit`, plots. `convert` reads a notebook with nbformat and keeps, cell by cell in order,
only what defines the assignment, chosen by its syntax tree (`ast`):

- imports (but Colab's own, `google.colab`, and modules that are not installed here);
- `def`, `async def` and `class` statements, with their decorators;
- assignments of names to values that call nothing heavy: `CHECKPOINT_PATH = "best.keras"`,
  `IMG_SIZE = (150, 150)`, `AUTOTUNE = tf.data.AUTOTUNE`, `augment = keras.Sequential([...])`,
  when every name they read is already defined. A value that calls a function of the notebook
  (`model = build_model()`), loads or downloads data, trains, predicts or plots is left out.

Every other top-level statement (the training run, the plots, prints) is never run. IPython's
lines (`%matplotlib inline`, `!pip install ...`, `model.fit?`), where IPython reads them (at the
start of a logical line, not inside brackets or strings), become `pass`, and `x = !ls` a call of
`get_ipython()`, as IPython makes it; a cell magic (`%%time`) or a cell that still does not
parse is skipped; each skip is a note. When a name is defined more than once, the last
definition in cell order is the one graded, as in a notebook run top to bottom, and a note
says so.

The result is a package of modules (`_notebook.py` with the kept code, and data.py, model.py,
callbacks.py, train.py (and explore.py when the notebook has that step) that import from it),
graded like any other submission. Each kept statement runs on its own, compiled under its
cell's name, "work.ipynb, code cell 4", at its own line numbers, so a traceback points into the
notebook, not into a generated file; one that raises (a path that exists only on the student's
machine) leaves the others defined, and a function it was to define says why it is missing.
The notebook runs nowhere here: this module reads it as text, in the trusted process of a
batch too, in time linear in its size. Nothing here imports TensorFlow.
"""
from __future__ import annotations

import ast
import builtins
import importlib.util
import re
from dataclasses import dataclass, field
from pathlib import Path

# The names each module of the assignment defines (assignment/*.py); a notebook's go to all of them.
MODULE_NAMES = {
    "data": ("IMAGE_SIZE", "BATCH_SIZE", "load_datasets"),
    "model": ("build_model",),
    "callbacks": ("CHECKPOINT_PATH", "make_callbacks"),
    "train": ("EPOCHS", "train", "summarize"),
    "explore": ("WARMUP_EPOCHS", "BASE_LEARNING_RATE", "StopAtTarget", "warmup", "make_logging_callbacks"),
}
OPTIONAL = ("explore",)  # written only when the notebook defines one of its names
KERNEL_MODULE = "_notebook"
NOTEBOOK_MAX_BYTES = 50 * 2**20  # a notebook with its outputs (plots) can be large; its code is not
CODE_MAX_CHARACTERS = 2**19  # the code of all its cells: 25 times a real assignment's (read in about 2 s)
# Calls an assignment at the top of a notebook may keep: none of these (by the last name of what is called).
HEAVY_CALLS = frozenset({
    "load", "load_data", "builder", "download", "download_and_prepare", "get_file", "as_dataset",
    "image_dataset_from_directory", "text_dataset_from_directory", "flow_from_directory",
    "fit", "fit_generator", "evaluate", "predict", "train_on_batch", "save", "save_weights", "load_model",
    "load_weights", "show", "plot", "imshow", "savefig", "figure", "subplots", "subplot", "display", "system",
    "run", "Popen", "call", "check_output", "remove", "unlink", "rmtree", "makedirs", "mkdir", "rename",
    "open", "exec", "eval", "compile", "__import__", "input", "sleep", "mount", "upload", "getoutput",
    "get_ipython", "print", "summary", "take", "batch", "map", "shuffle", "prefetch", "cache", "repeat",
    "listdir", "scandir", "walk", "glob", "ZipFile", "TarFile", "extractall", "urlretrieve", "urlopen",
    "read_csv", "KerasLayer", "copy", "copyfile", "copytree", "move",
})
# Modules whose calls fetch, spawn or touch files: never called at the top of a graded notebook.
HEAVY_ROOTS = frozenset({"requests", "urllib", "subprocess", "shutil", "hub", "wget", "gdown", "kaggle"})
# the notebook's front end (and the grader's own check cell), not the assignment
SKIPPED_IMPORTS = ("google.colab", "IPython", "ipywidgets", "grader")
# IPython's line magics and shell escapes (`%timeit`, `!pip`), and its help (`model.fit?`, `??keras`)
_MAGIC = re.compile(r"^(\s*)(%|!|\?\??[\w.]+\s*$|[\w.]+\?\??\s*$)")
_MAGIC_ASSIGNMENT = re.compile(r"^(\s*)([A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*)\s*=\s*([!%])(.*)$")
_NEWLINE = re.compile(r"\r\n|\r|\n")  # what Python counts as a line's end (not \x0c, \u2028, ...)
_TRIPLES = ('"' * 3, "'" * 3)


class NotANotebook(Exception):
    """The file cannot be read as a notebook; the message says why."""


@dataclass
class Converted:
    """A notebook's kept code as module files (name -> text), and what a student should be told."""

    name: str
    files: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    code: str = ""  # the kept statements, one after the other (what stubs.implemented reads)


@dataclass
class _Cell:
    number: int  # the code cell's number, from 1 (markdown and raw cells are not counted)
    first_line: str
    lines: list[str]  # the cell as Python reads it (IPython's lines as `pass`): what a traceback shows
    statements: list[tuple[int, str, tuple[str, ...]]]  # (first line, source, names it defines) kept


@dataclass
class _Scope:
    """The names the kept code defines so far (builtins first), and which of them imports bound."""

    known: set[str]
    imported: set[str] = field(default_factory=set)
    star: bool = False  # `from x import *` was kept: any name may be defined


def read_cells(text: str) -> list[str]:
    """The sources of a notebook's code cells, in order (nbformat: any version it reads, as 4)."""
    import nbformat

    try:
        notebook = nbformat.reads(text, as_version=4)
    except Exception as error:  # bad JSON, or JSON that is not a notebook
        raise NotANotebook(f"it is not a notebook nbformat can read ({type(error).__name__}: "
                           f"{_printable(str(error))[:200]})") from None
    cells = []
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            cells.append("".join(source) if isinstance(source, list) else str(source))
    return cells


def convert(data: bytes | str, name: str = "notebook.ipynb", cells: list[str] | None = None,
            label: str = "code cell") -> Converted:
    """The modules to grade for a notebook's bytes (or for `cells`, sources in order: a kernel's history).

    `label` names a cell in feedback: "code cell" (by its place among the code cells), or
    "In" for a kernel's history, where a cell is known by its execution count.
    """
    name = _printable(name)[:120] or "notebook.ipynb"  # shown in notes and tracebacks; in code only by repr
    if cells is None:
        if len(data) > NOTEBOOK_MAX_BYTES:
            raise NotANotebook(f"it is larger than {NOTEBOOK_MAX_BYTES // 2**20} MB")
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
        cells = read_cells(text)
    if sum(len(source) for source in cells) > CODE_MAX_CHARACTERS:
        raise NotANotebook(f"its code cells hold more than {CODE_MAX_CHARACTERS // 2**20} million characters: "
                           "far more than an assignment; remove the pasted data")
    converted = Converted(name=name)
    defined: dict[str, list[tuple[str, str]]] = {}  # name -> (where, its text) of each definition, in order
    scope = _Scope(known=set(dir(builtins)))
    kept: list[_Cell] = []
    left_out: list[str] = []
    for index, source in enumerate(cells, start=1):
        where = f"In [{index}]" if label == "In" else f"{label} {index}"
        tree, why, parsed = _parse(source)
        if tree is None:
            if why:
                converted.notes.append(f"{name}: {where} was skipped: {why}.")
            continue
        lines = _NEWLINE.split(parsed)
        if parsed is not source and (magics := [_printable(raw.strip()) for line, raw in
                                                zip(lines, _NEWLINE.split(source)) if line != raw]):
            shown = ", ".join(f"`{line[:40]}`" for line in magics[:3]) + (", ..." if len(magics) > 3 else "")
            converted.notes.append(f"{name}: {where}: IPython's {shown} not run (not Python).")
        encoded = [line.encode("utf-8", "surrogatepass") for line in lines]  # ast's columns count UTF-8 bytes
        statements = []
        for node in tree.body:
            kind = _kind(node, scope)
            if kind is None:
                if not _silent(node):
                    left_out.append(_statement_text(node, lines))
                continue
            if kind.startswith("skip:"):
                converted.notes.append(f"{name}: {where}: {kind[5:].strip()}.")
                continue
            line, text = _segment(node, encoded)
            names = tuple(_names_defined(node, scope))
            statements.append((line, text, names))
            for defined_name in names:
                defined.setdefault(defined_name, []).append((where, text))
        if statements:
            first = _printable(next((line.strip() for line in _NEWLINE.split(source) if line.strip()), ""))
            kept.append(_Cell(index, first[:60], lines, statements))
    for defined_name, definitions in defined.items():
        places = [where for where, _ in definitions]
        if len({text for _, text in definitions}) > 1 and any(defined_name in names for names in MODULE_NAMES.values()):
            converted.notes.append(f"{name}: {defined_name} is defined in {', '.join(places[:-1])} and "
                                   f"{places[-1]}: the last one, in {places[-1]}, is the one graded.")
    if left_out:
        shown = ", ".join(dict.fromkeys(left_out))
        converted.notes.append(f"{name}: {len(left_out)} top-level statement{'s' * (len(left_out) != 1)} "
                               f"never run by the grader (only definitions are graded): {shown[:300]}"
                               + ("..." if len(shown) > 300 else ""))
    converted.files = _modules(name, kept, set(defined), label)
    converted.code = "\n".join(text for cell in kept for _, text, _ in cell.statements)
    return converted


def _silent(node: ast.stmt) -> bool:
    """A statement not worth a mention: `pass` (an IPython line), a docstring, `...`."""
    return isinstance(node, ast.Pass) or (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))


def _parse(source: str):
    """(the syntax tree, None, the text parsed), or (None, why the cell is skipped ("" for an empty
    cell), None). The text parsed is `source`, or, where that is not Python, `source` with
    IPython's lines made Python (the same lines, one for one)."""
    if not source.strip():
        return None, "", None
    stripped = source.lstrip()
    if stripped.startswith("%%"):
        return None, f"it is a cell magic ({_printable(stripped.splitlines()[0][:40])}), not Python", None
    problem = ""
    for attempt in (source, None):  # as it is, then (only then) with IPython's lines made Python
        attempt = source if attempt is not None else _ipython_as_python(source)
        try:
            return ast.parse(attempt), None, attempt
        except SyntaxError as error:
            problem = f"it does not parse as Python (line {error.lineno}: {_printable(str(error.msg))})"
        except (ValueError, MemoryError, RecursionError) as error:  # a null byte, absurd nesting
            problem = f"it cannot be read as Python ({type(error).__name__})"
    return None, problem, None


def _ipython_as_python(source: str) -> str:
    """IPython's escapes where IPython reads them, at the start of a logical line, made Python:
    `%magic` / `!cmd` / `obj?` as `pass`, `x = !cmd` as `x = get_ipython().getoutput(...)`."""
    lines = _NEWLINE.split(source)
    for number in _logical_starts(lines):
        line = lines[number]
        if assigned := _MAGIC_ASSIGNMENT.match(line):
            indent, target, escape, rest = assigned.groups()
            call = "getoutput" if escape == "!" else "run_line_magic"
            lines[number] = f"{indent}{target} = get_ipython().{call}({rest.strip()!r})"
        elif magic := _MAGIC.match(line):
            lines[number] = magic.group(1) + "pass"
    return "\n".join(lines)


def _logical_starts(lines: list[str]) -> list[int]:
    """The lines that begin a logical line: not inside brackets, a string, or after a backslash."""
    starts, depth, quote, continued = [], 0, None, False
    for number, line in enumerate(lines):
        if quote is None and depth == 0 and not continued:
            starts.append(number)
        index, length = 0, len(line)
        while index < length:
            character = line[index]
            if quote:
                if character == "\\":
                    index += 2
                elif line.startswith(quote, index):
                    index, quote = index + len(quote), None
                else:
                    index += 1
                continue
            if character == "#":
                break
            if character in "\"'":
                quote = line[index:index + 3] if line[index:index + 3] in _TRIPLES else character
                index += len(quote)
                continue
            if character in "([{":
                depth += 1
            elif character in ")]}" and depth > 0:
                depth -= 1
            index += 1
        continued = quote is None and line.endswith("\\")
        if quote in ('"', "'"):  # a one-quote string ends with its line (or the line is an error)
            quote = None
    return starts


def _segment(node: ast.stmt, encoded: list[bytes]) -> tuple[int, str]:
    """(its first line, its text) of a statement, decorators included: sliced from the cell's lines,
    so that a statement sharing a line (`EPOCHS = 5; model.fit(...)`) is kept alone."""
    line, column = node.lineno, node.col_offset
    for decorator in getattr(node, "decorator_list", []):
        if (decorator.lineno, decorator.col_offset) < (line, column):
            at = encoded[decorator.lineno - 1].rfind(b"@", 0, decorator.col_offset + 1)
            line, column = decorator.lineno, max(at, 0)
    end_line, end_column = node.end_lineno, node.end_col_offset
    if line == end_line:
        text = encoded[line - 1][column:end_column]
    else:
        text = b"\n".join([encoded[line - 1][column:], *encoded[line:end_line - 1],
                           encoded[end_line - 1][:end_column]])
    return line, text.decode("utf-8", "replace")


def _kind(node: ast.stmt, scope: _Scope) -> str | None:
    """"keep", "skip: <why>" (said in a note) or None (a top-level statement, never run)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return "keep"
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        if isinstance(node, ast.ImportFrom) and node.level:
            return "skip: a relative import, which a notebook cannot have"
        modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else [alias.name for alias in node.names]
        for module in modules:
            if any(module == skipped or module.startswith(skipped + ".") for skipped in SKIPPED_IMPORTS):
                return f"skip: `{ast.unparse(node)[:80]}` left out (the notebook's front end, not the assignment)"
            if not _installed(module):
                return f"skip: `{ast.unparse(node)[:80]}` left out ({module.split('.')[0]} is not installed here)"
        return "keep"
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if node.value is None or not all(_plain_target(t) for t in targets):
            return None
        return "keep" if _light(node.value, scope) else None
    return None


def _installed(module: str) -> bool:
    top = module.split(".")[0]
    if not top.isidentifier():
        return False
    try:
        return importlib.util.find_spec(top) is not None
    except (ImportError, ValueError):
        return False


def _plain_target(target: ast.expr) -> bool:
    if isinstance(target, ast.Name):
        return True
    return isinstance(target, (ast.Tuple, ast.List)) and all(isinstance(e, ast.Name) for e in target.elts)


def _light(value: ast.expr, scope: _Scope) -> bool:
    """A value that reads only defined names and calls nothing heavy nor anything the notebook defines."""
    nodes = list(ast.walk(value))
    bound = set()  # the parameters of its lambdas and the targets of its comprehensions
    for node in nodes:
        if isinstance(node, ast.Lambda):
            arguments = node.args
            bound.update(a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                                         *filter(None, [arguments.vararg, arguments.kwarg])])
        elif isinstance(node, ast.comprehension):
            bound.update(n.id for n in ast.walk(node.target) if isinstance(n, ast.Name))
    calls_in_lambdas = {id(n) for lam in nodes if isinstance(lam, ast.Lambda) for n in ast.walk(lam.body)}
    for node in nodes:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in scope.known \
                and node.id not in bound and not scope.star:
            return False
        if isinstance(node, (ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)):
            return False
        if isinstance(node, ast.Call) and id(node) not in calls_in_lambdas:  # a lambda's body runs when called
            callee = node.func
            last = callee.attr if isinstance(callee, ast.Attribute) else getattr(callee, "id", None)
            if last is None or last in HEAVY_CALLS or any(k.arg == "weights" for k in node.keywords):
                return False  # weights=: pretrained weights are downloaded
            root, chain = callee, []
            while isinstance(root, (ast.Attribute, ast.Call)):  # datetime.datetime.now().strftime: datetime
                chain.append(getattr(root, "attr", ""))
                root = root.value if isinstance(root, ast.Attribute) else root.func
            if not isinstance(root, ast.Name) or root.id in HEAVY_ROOTS or "applications" in chain:
                return False
            if root.id not in scope.imported and root.id not in dir(builtins) and not \
                    (scope.star and root.id not in scope.known):
                return False  # build_model(), StopAtTarget(...): the notebook's own code never runs here
    return True


def _names_defined(node: ast.stmt, scope: _Scope) -> list[str]:
    """The names a kept statement binds, now known to the statements after it."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        names = [node.name]
    elif isinstance(node, ast.Import):
        names = [(alias.asname or alias.name.split(".")[0]) for alias in node.names]
        scope.imported.update(names)
    elif isinstance(node, ast.ImportFrom):
        names = [alias.asname or alias.name for alias in node.names if alias.name != "*"]
        scope.imported.update(names)
        scope.star = scope.star or any(alias.name == "*" for alias in node.names)
    else:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        names = [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    scope.known.update(names)
    return names


def _statement_text(node: ast.stmt, lines: list[str]) -> str:
    text = _printable(lines[node.lineno - 1][node.col_offset:].strip()) or type(node).__name__
    return text[:50] + ("..." if len(text) > 50 else "")


def _printable(text: str) -> str:
    """A notebook's text as shown in a note or a cell's name: no control characters (a terminal's escapes)."""
    return "".join(character if character.isprintable() else " " for character in text)


def _modules(name: str, cells: list[_Cell], defined: set[str], label: str) -> dict[str, str]:
    """The package's files: _notebook.py runs the kept statements; each module imports from it."""
    entries = "".join(f"    ({_cell_name(name, cell, label)!r}, {[line + chr(10) for line in cell.lines]!r},\n"
                      f"     {cell.statements!r}),\n" for cell in cells)
    files = {f"{KERNEL_MODULE}.py": _KERNEL.replace("{cells}", entries)}
    for module, names in MODULE_NAMES.items():
        if module in OPTIONAL and not defined & set(names):
            continue
        files[f"{module}.py"] = (f'"""{module}.py of a notebook: its definitions, from {KERNEL_MODULE}.py."""\n'
                                 f"from .{KERNEL_MODULE} import *  # noqa: F401,F403\n")
    return files


def _cell_name(name: str, cell: _Cell, label: str) -> str:
    """What a traceback calls the cell: "work.ipynb, code cell 4 (def build_model():)"."""
    where = f"In [{cell.number}]" if label == "In" else f"{label} {cell.number}"
    first = cell.first_line.replace("/", " ").replace("\\", " ")
    return f"{name.replace('/', ' ')}, {where} ({first})" if first else f"{name.replace('/', ' ')}, {where}"


def failure_of(module, name: str) -> str | None:
    """Why a converted notebook's `module` lacks `name`: the error its definition raised, or None."""
    failed = getattr(module, "_GRADER_FAILED", None)
    return failed.get(name) if isinstance(failed, dict) else None


_KERNEL = '''"""A notebook's definitions, statement by statement, written by the grader (grader/notebook.py).

Each kept statement runs compiled under its cell's name, at its own line numbers, so that a
traceback names the cell (whose lines linecache is given, to show them); one that raises leaves
the others defined, and _GRADER_FAILED says, per name it was to define, why it is not.
"""
import linecache as _grader_linecache
import os as _grader_os

_GRADER_CELLS = [
{cells}]
_GRADER_FAILED = {}

for _grader_name, _grader_lines, _grader_statements in _GRADER_CELLS:
    _grader_file = _grader_os.path.join(_grader_os.path.dirname(_grader_os.path.abspath(__file__)), _grader_name)
    _grader_linecache.cache[_grader_file] = (sum(map(len, _grader_lines)), None, _grader_lines, _grader_file)
    for _grader_line, _grader_source, _grader_names in _grader_statements:
        try:
            exec(compile("\\n" * (_grader_line - 1) + _grader_source, _grader_file, "exec"), globals())
        except Exception as _grader_error:
            for _grader_defined in _grader_names:
                _GRADER_FAILED[_grader_defined] = (
                    f"{type(_grader_error).__name__}: {_grader_error} (in {_grader_name}, line {_grader_line})")
del _grader_linecache, _grader_os
'''


# ---- a notebook given where a submission was expected

def notebook_in(path: Path) -> Path | None:
    """The notebook a path stands for: an .ipynb file, or the only one in a folder (or its assignment/)
    that holds none of the assignment's modules; else None."""
    path = Path(path)
    if path.is_file() and path.suffix.lower() == ".ipynb":
        return path
    if not path.is_dir():
        return None
    for folder in (path / "assignment", path):
        if folder.is_dir() and any((folder / f"{module}.py").is_file() for module in MODULE_NAMES):
            return None
    found = [p for folder in (path, path / "assignment") if folder.is_dir()
             for p in sorted(folder.glob("*.ipynb")) if p.is_file() and not p.name.startswith(".")
             and ".ipynb_checkpoints" not in p.parts]
    return found[0] if len(found) == 1 else None


def write_package(converted: Converted, folder: Path) -> Path:
    """The converted modules written into folder/assignment/; that folder."""
    package = Path(folder) / "assignment"
    package.mkdir(parents=True, exist_ok=True)
    for filename, text in converted.files.items():
        (package / filename).write_text(text, encoding="utf-8")
    (package / "__init__.py").write_text("", encoding="utf-8")
    return package

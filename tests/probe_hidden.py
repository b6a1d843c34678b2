"""Hostile, for tests/test_hidden_outside.py: looks everywhere it can for the hidden checks and the reference.

Appended to the stubs' data.py, it runs as the submission is imported, inside the
sandbox, and prints one line, `hidden-probe: {json}`, into the worker's log: every copy of
the grader it found; what of grader/hidden/ and reference/ it could list or open (with the
first bytes of each), and the hidden/ folders it found empty; which readable files hold
one of MARKERS (strings only grader/hidden/ holds, put here by the test); install records
naming grader/hidden/'s files; and anything of the hidden checks in this process's memory.

It looks on sys.path and in the site folders, under every mount point of
/proc/self/mountinfo, where importlib finds `grader` and `grader.hidden` (an editable
install's finder included), and through the whole file system from /.
"""
import gc as _gc
import importlib.util as _util
import json as _json
import os as _os
import site as _site
import sys as _sys
import types as _types

MARKERS = ()  # the test puts here strings that only grader/hidden/ holds
HIDDEN_NAMES = ("__init__.py", "verdicts.py", "held_back.json", "rubric.toml")
REFERENCE_NAMES = ("data.py", "model.py", "callbacks.py", "train.py")
SKIP = ("/proc", "/sys", "/dev", "/submission")  # /submission: this file, which holds the markers
MAX_READ = 4 * 2**20


def _places() -> set:
    """Folders to look in, besides / itself."""
    places = set(_sys.path) | {_sys.prefix, _sys.base_prefix, _sys.exec_prefix}
    try:
        places |= set(_site.getsitepackages()) | {_site.getusersitepackages()}
    except Exception:
        pass
    try:
        with open("/proc/self/mountinfo") as table:
            places |= {line.split()[4] for line in table if len(line.split()) > 4}
    except OSError:
        pass
    for name in ("grader", "grader.hidden", "grader.hidden.verdicts"):
        try:
            spec = _util.find_spec(name)
        except Exception:
            continue
        if spec is not None:
            places |= set(spec.submodule_search_locations or ())
            if spec.origin:
                places.add(_os.path.dirname(spec.origin))
    for module in list(_sys.modules.values()):  # an editable install's finder names the repository's grader
        try:
            mapping = vars(module).get("MAPPING")
        except TypeError:
            continue
        if isinstance(mapping, dict):
            places |= {value for value in mapping.values() if isinstance(value, str)}
    return {_os.path.abspath(place) for place in places if isinstance(place, str) and place}


def _interesting(path: str) -> bool:
    """A file worth reading whole: anything of a grader, a reference, an install record or a .pth."""
    parts = path.split("/")
    return ("grader" in parts or "hidden" in parts or "reference" in parts or path.endswith((".pth", "/RECORD"))
            or "cats_dogs_callbacks_grader" in path or parts[-1].startswith("__editable__"))


def _secret(path: str) -> bool:
    """A file of the hidden checks (grader/hidden/...) or of the reference solution (reference/...)."""
    parts = path.split("/")
    for index, part in enumerate(parts[:-1]):
        if part == "hidden" and index > 0 and parts[index - 1] == "grader":
            return True
        if part == "reference" and _os.path.isfile("/".join(parts[:index + 1] + ["callbacks.py"])):
            return True
    return False


def _probe() -> dict:
    found = {"graders": set(), "listed": {}, "empty": set(), "opened": {}, "marker_hits": set(), "records": set(),
             "memory": set(), "hidden_spec": None, "hidden_import": None, "looked_in": 0}
    read = set()

    def read_file(path: str) -> None:
        if path in read or path.startswith(SKIP):
            return
        read.add(path)
        try:
            if _os.path.getsize(path) > MAX_READ:
                return
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            return
        text = data.decode("utf-8", "replace")
        if _secret(path):
            found["opened"][path] = text[:120]
        for marker in MARKERS:
            if marker in text:
                found["marker_hits"].add(path)
        if path.endswith("/RECORD") and "grader/hidden/" in text:
            found["records"].add(path)

    def look_at_folder(folder: str) -> None:
        """A folder that may hold a grader, or be one: its hidden/ and a reference/ beside it, listed and opened."""
        if _os.path.isfile(_os.path.join(folder, "grader", "__init__.py")):
            found["graders"].add(_os.path.join(folder, "grader"))
        inner = [(_os.path.join(folder, "grader", "hidden"), HIDDEN_NAMES),
                 (_os.path.join(folder, "reference"), REFERENCE_NAMES)]
        if _os.path.basename(folder) == "grader":
            inner.append((_os.path.join(folder, "hidden"), HIDDEN_NAMES))
        for where, expected in inner:
            try:
                listed = _os.listdir(where)
            except OSError:
                listed = []
            if listed and (where.endswith("/hidden") or "callbacks.py" in listed):
                found["listed"][where] = sorted(listed)[:20]
            elif where.endswith("/hidden") and _os.path.isdir(where):
                found["empty"].add(where)  # there, but nothing in it can be seen
            if where.endswith("/hidden") or "callbacks.py" in listed:
                for name in set(expected) | set(listed):
                    read_file(_os.path.join(where, name))

    for place in sorted(_places()):
        found["looked_in"] += 1
        look_at_folder(place)
        look_at_folder(_os.path.dirname(place))
    for top, folders, files in _os.walk("/"):
        if top.startswith(SKIP):
            folders[:] = []
            continue
        if "grader" in folders or "reference" in folders:
            look_at_folder(top)
        for name in files:
            path = _os.path.join(top, name)
            if _interesting(path):
                read_file(path)
    try:
        spec = _util.find_spec("grader.hidden")
        found["hidden_spec"] = spec and spec.origin
    except Exception as error:
        found["hidden_spec"] = f"{type(error).__name__}"
    for _ in range(2):
        try:
            import grader.hidden.verdicts as _verdicts  # noqa: F401

            found["hidden_import"] = _verdicts.__file__
            break
        except Exception as error:
            found["hidden_import"] = f"{type(error).__name__}: {error}"[:200]
            if "grader.hidden" in _sys.modules and _sys.modules["grader.hidden"] is None:
                del _sys.modules["grader.hidden"]  # a stop put there by the grader: take it out, try again
            else:
                break
    for name, module in list(_sys.modules.items()):
        if module is not None and "hidden" in name.split("."):
            found["memory"].add(f"module {name}")
    for thing in _gc.get_objects():  # a function of the hidden checks, loaded before the sandbox (a warm fork)
        if not isinstance(thing, _types.FunctionType):
            continue
        filename = thing.__code__.co_filename
        if "/hidden/" in filename or "/reference/" in filename:
            found["memory"].add(f"function {getattr(thing, '__qualname__', '?')} from {filename}")
    return {key: sorted(value) if isinstance(value, set) else value for key, value in found.items()}


if "_hidden_probe_done" not in _sys.modules:
    _sys.modules["_hidden_probe_done"] = _sys  # once per process, however often data.py is imported
    try:
        print("hidden-probe: " + _json.dumps(_probe(), sort_keys=True), flush=True)
    except Exception as _error:
        print(f"hidden-probe: failed {type(_error).__name__}: {_error}", flush=True)

"""The sandboxed half of batch grading: probe one submission and send its facts out.

    python -m grader.batch.worker SUBMISSION SCRATCH FACTS_FD [AREA ...]

Run by `grader batch` inside the sandbox. It never computes a score. It reads a
one-time token and the grading's questions (grader.questions) from stdin before any student code runs, then probes the six rubric
areas in turn (or the areas named: what is left after a worker died) and writes each area's facts, as one JSON line tagged with the token,
to file descriptor FACTS_FD: a pipe to the trusted grader. Whatever the student's
code prints goes to stdout/stderr, which the grader keeps only as a log. An area
whose line never arrives (the process was killed, or exited early) costs its points.

Student code runs in this process, so it could try to replace the grader's own
functions (say, a probe that returns the reference's facts). Before any student code
runs, the worker takes a snapshot of every function, class and module the grader's
modules (and the json and os modules it reports through) refer to; it compares them
before and after each area, and on any difference reports tampering instead of facts.
"""
from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
import types
from pathlib import Path

WATCHED = ("grader", "json", "os", "posix", "builtins", "time", "importlib")
# Module globals of the grader that change by design while it runs (caches, the alarm's state);
# every other name in a grader module keeps its value, settings included.
CHANGING = {("grader.probes.model", "_REPLAY_MODEL"), ("grader.probes.model", "_REFERENCE_REPLAY_MODEL"),
            ("grader.limits", "_outside"), ("grader.limits", "_active"),
            ("grader.probes.property", "_REFERENCE_TIMELINES"), ("grader.probes.property", "_REFERENCE_EVENTS")}


def snapshot() -> dict:
    """Identity of everything the worker relies on: module globals, class attributes, function code."""
    seen = {}
    for name, module in list(sys.modules.items()):
        if module is None or not (name in WATCHED or name.startswith("grader.") or name.startswith("json.")):
            continue
        for key, value in list(vars(module).items()):
            if isinstance(value, (types.FunctionType, types.BuiltinFunctionType, types.ModuleType, type)):
                seen[(name, key)] = id(value)
                _parts(seen, (name, key), value)
            elif name.startswith("grader") and not key.startswith("__") and (name, key) not in CHANGING:
                seen[(name, key)] = id(value)  # settings too: STATED_CHECKS = () must not go unnoticed
                _contents(seen, (name, key), value)
    return seen


def _contents(seen: dict, where: tuple, value, depth: int = 2) -> None:
    """What a setting holds, two levels down: a dict's entries, a tuple's items, a dataclass's fields.

    The table of areas says which function probes each area: a changed entry (or an Area whose
    probe field was overwritten in place) must count as tampering, as a replaced function does.
    """
    if depth == 0:
        return
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = list(enumerate(value)) if isinstance(value, (list, tuple)) else [(repr(v), v) for v in value]
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        items = [(field.name, getattr(value, field.name)) for field in dataclasses.fields(value)]
    else:
        return
    seen[where + ("#len",)] = len(items)
    for key, item in items:
        seen[where + (repr(key),)] = id(item)
        _contents(seen, where + (repr(key),), item, depth - 1)


def _parts(seen: dict, where: tuple, value) -> None:
    """Add the identities a function or grader class is made of (code, defaults, attributes) to `seen`."""
    if isinstance(value, types.FunctionType):
        seen[where + ("__code__",)] = id(value.__code__)
        seen[where + ("__defaults__",)] = id(value.__defaults__)
        seen[where + ("__kwdefaults__",)] = id(value.__kwdefaults__)
    elif isinstance(value, type) and value.__module__.startswith("grader"):
        for key, attribute in list(vars(value).items()):
            seen[where + (key,)] = id(attribute)
            if isinstance(attribute, types.FunctionType):
                seen[where + (key, "__code__")] = id(attribute.__code__)


def changed(before: dict, after: dict) -> list[str]:
    differences = [".".join(map(str, key)) for key in before if after.get(key) != before[key]]
    return sorted(differences)[:5]


HIDDEN = "grader.hidden"  # grader.grading.HIDDEN_VERDICTS (not imported here: that would load them)


def leave_hidden_out() -> None:
    """Make sure this process never holds the hidden checks, wherever some finder could offer them.

    The staged grader has no grader/hidden, but another copy can still stand in for it: an
    editable install's finder maps every `grader.*` module missing from the staged copy to
    the repository's. A warm worker's zygote imports the grader outside the sandbox, so it
    would import the hidden verdicts from there and hand them to every fork. A None in
    sys.modules stops the import, which the grading loop takes as "no hidden items here".
    On disk, the sandbox covers every copy its binds would show (sandbox.masks).
    """
    if sys.modules.get(HIDDEN) is not None:
        raise RuntimeError(f"{HIDDEN} was imported into the worker; it must never be")
    sys.modules[HIDDEN] = None


def main(argv=None) -> None:
    leave_hidden_out()
    argv = sys.argv[1:] if argv is None else argv
    submission_path, scratch, facts_fd = Path(argv[0]), Path(argv[1]), int(argv[2])
    areas = tuple(argv[3:])
    message = sys.stdin.readline()  # the token and the questions, held-out images included (megabytes)
    sys.stdin.close()
    run(submission_path, scratch, facts_fd, message, areas)


def prepare() -> None:
    """Import everything the worker needs before student code runs (a warm worker does it once, ahead)."""
    from grader.quiet import quiet_tensorflow

    quiet_tensorflow()
    from grader.areas import AREAS
    from grader.grading import probe_inputs

    for area in AREAS:
        area.probe_function()  # every probe module, imported before student code runs
        probe_inputs(area.key)  # the profile read now, not after student code could touch the file system


def run(submission_path: Path, scratch: Path, facts_fd: int, message: str, areas=()) -> None:
    """Probe the areas and write their facts to FACTS_FD; never returns (leaves with os._exit).

    `message`: the line read from stdin: the token, and the grading's questions (grader.questions).
    """
    from grader.questions import from_message, use

    channel = os.fdopen(facts_fd, "w", buffering=1, encoding="utf-8")
    leave_hidden_out()  # already done by main() or the zygote; here it checks that no import slipped through
    token, questions = from_message(message)
    message = None  # megabytes no frame needs to keep
    use(questions)
    prepare()
    from grader.areas import AREA_KEYS
    from grader.facts import facts_to_data
    from grader.grading import probe_safely
    from grader.probes.student_code import Submission

    submission = Submission(submission_path, workdir=scratch)
    os.chdir(scratch)
    dumps, write = json.dumps, channel.write
    baseline = snapshot()
    for area in areas or AREA_KEYS:
        started = time.monotonic()
        tampered = changed(baseline, snapshot())
        facts = None if tampered else probe_safely(area, submission, scratch)
        tampered = tampered or changed(baseline, snapshot())
        if tampered:
            write(dumps({"token": token, "tampered": tampered}) + "\n")
            break
        line = {"token": token, "area": area, "seconds": round(time.monotonic() - started, 3),
                **facts_to_data(facts)}
        write(dumps(line) + "\n")
    else:
        write(dumps({"token": token, "done": True}) + "\n")
    channel.flush()
    # Leave without running student atexit handlers or finalizers (they could hang or print).
    os._exit(0)


if __name__ == "__main__":
    main()

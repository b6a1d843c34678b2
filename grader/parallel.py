"""`pytest grader` on two cores: a helper process probes the training areas while this one probes the rest.

A grading is mostly TensorFlow running student code, one area after another, on one core at
a time (its ops are too small to keep two busy). On a machine with two cores or more, at the
first graded item, the pytest process forks a helper that probes the areas that train the
student's model (HELPER_AREAS: behaviour, model, explore), while it probes the others itself
(callbacks, property, data, train) and then takes the helper's facts as their tests come.
The work is the same (the three training areas share one traced model in either process);
the wall time is about the helper's part: a reference grading took 10.4 s instead of 12.3 s
(BENCHMARKS.md).

- **When.** Only before TensorFlow's runtime has started: a fork of a process whose runtime
  has started hangs in its first op (NOTES.md; the batch's warm workers fork at the same
  point). When it has (a submission whose import ran an op), on a system other than Linux,
  with one core, with `-s` or `--pdb` (a student reading their prints or debugging), with
  `--one-process`, or when the selected items are all on one side (`pytest grader -m
  model`), every area is probed here, as it always was.
- **The same grade.** An area's facts do not depend on the process that probed it: each
  area seeds everything itself, and its facts reach the verdicts through their JSON form in
  every mode (`areas.settled`), which is the form they cross the pipe in. The helper's
  student code works in a folder of its own, so two areas at once never share a file.
- **Nothing lost.** When the helper dies (student code that ends the process, a crash of
  TensorFlow), stalls past its areas' time limits, or sends something unreadable, each
  area it did not deliver is probed here, as it would have been without it.
- **Trust.** Only students' own runs use it (`pytest grader`): they grade their own
  process, with nothing to protect. Batch and Gradescope workers never fork a helper.
"""
from __future__ import annotations

import json
import os
import select
import signal
import sys
import threading
import time
import warnings
from pathlib import Path

from grader.areas import AREAS, area_from_data
from grader.facts import facts_to_data
from grader.grading import AREA_TIMEOUT, probe_safely, settle_imports
from grader.questions import current

# The areas that train the student's model: they share one model, whose train and test steps are
# traced once per process (grading_model), so they go together; about two thirds of a grading.
# The pytest process probes the others (callbacks, property, data, train), then waits for these.
HELPER_AREAS = ("behaviour", "model", "explore")


def runtime_started() -> bool:
    """Whether TensorFlow's runtime has started in this process (after which a fork hangs)."""
    if "tensorflow" not in sys.modules:
        return False
    try:
        from tensorflow.python.eager import context
    except ImportError:  # a TensorFlow that moved it: assume the worst
        return True
    current = context.context_safe()
    return current is not None and bool(getattr(current, "_initialized", True))


def worth_a_helper(areas) -> bool:
    """Whether the selected areas fall on both sides (else one process does as well)."""
    areas = set(areas)
    return bool(areas & set(HELPER_AREAS)) and bool(areas - set(HELPER_AREAS))


def prepare() -> None:
    """Make, before the fork, what both processes use, once: Keras and every probe module imported,
    the questions drawn, the heap frozen."""
    import keras  # noqa: F401  imported, not run: TensorFlow's runtime does not start

    for area in AREAS:
        area.probe_function()
    current()  # the questions (histories, held-out images): drawn once, for both
    settle_imports()


def can_fork() -> bool:
    """Linux only (Colab, GitHub Classroom, the course's machines): on macOS a fork of a process that
    has loaded Apple's frameworks may crash in the child, and Windows has no fork."""
    return sys.platform.startswith("linux") and (os.cpu_count() or 1) >= 2 and not runtime_started()


class Helper:
    """A forked process probing `areas` of `submission`, one JSON line of facts per area on a pipe."""

    def __init__(self, submission, areas, scratch: Path):
        self.areas = tuple(areas)
        self.received: dict[str, object] = {}
        self.threads: list[str] = []  # the names of threads its student code left running
        self.delivered: set[str] = set()
        self.deadline = time.monotonic() + AREA_TIMEOUT * len(self.areas) + 60
        self._buffer = b""
        scratch.mkdir(parents=True, exist_ok=True)
        read, write = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            with warnings.catch_warnings():  # Python 3.12+ warns of any fork with threads: TensorFlow's are idle
                warnings.simplefilter("ignore", DeprecationWarning)
                self.pid = os.fork()
        except OSError:  # refused (a process limit): the caller grades in one process
            os.close(read)
            os.close(write)
            raise
        if self.pid == 0:  # the helper: never returns into pytest
            os.close(read)
            _helper_main(submission, self.areas, scratch, write)
        os.close(write)
        self._read = read

    @property
    def running(self) -> bool:
        return self._read is not None

    def facts(self, key: str):
        """The helper's facts for area `key`, or None when it will never send them (then probe here)."""
        while key not in self.received and self._read is not None:
            left = self.deadline - time.monotonic()
            ready = select.select([self._read], [], [], max(left, 0))[0] if left > 0 else []
            if not ready:  # stalled past every limit of its areas
                self.stop()
                break
            chunk = os.read(self._read, 1 << 20)
            if not chunk:  # it ended: what it did not send, it never will
                self.stop()
                break
            self._buffer += chunk
            *lines, self._buffer = self._buffer.split(b"\n")
            for line in lines:
                self._take(line)
        return self.received.pop(key, None)

    def finish(self, seconds: float = 10) -> list[str]:
        """What the helper says last (the threads its student code left), once it has sent every area;
        a helper still at work (the run was cut short: -x, Ctrl-C) is not waited for."""
        if self.delivered >= set(self.areas):
            self.deadline = min(self.deadline, time.monotonic() + seconds)
            self.facts("")  # no area is named "": reads to the end, or to the deadline
        return self.threads

    def _take(self, line: bytes) -> None:
        try:
            data = json.loads(line)
            if "threads" in data:
                self.threads = [str(name)[:80] for name in data["threads"]][:10]
                return
            key = data["area"]
            if key in self.areas:
                self.received[key] = area_from_data(key, data)
                self.delivered.add(key)
        except Exception:  # an unreadable line: that area is probed here
            pass

    def stop(self) -> None:
        """End the helper (if it still runs) and reap it."""
        if self._read is None:
            return
        os.close(self._read)
        self._read = None
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass


def _helper_main(submission, areas, scratch: Path, write: int) -> None:
    """Probe `areas` and write each one's facts as a JSON line to `write`; end with os._exit, always."""
    try:
        _die_with_parent()
        submission.workdir = scratch / "work"  # its own folder: two areas at once never share a file
        before = set(threading.enumerate())

        def send(data: dict) -> None:
            line = (json.dumps(data) + "\n").encode()
            while line:
                line = line[os.write(write, line):]

        for key in areas:
            send({"area": key, **facts_to_data(probe_safely(key, submission, scratch))})
        send({"threads": [t.name for t in threading.enumerate() if t not in before and t.is_alive() and not t.daemon]})
    except BaseException:  # the areas not sent are probed by the pytest process
        pass
    finally:
        os._exit(0)


def _die_with_parent() -> None:
    """Ask Linux to kill this process if pytest ends first (Ctrl-C, a crash): no orphan keeps training."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:  # another system: the parent's stop() still ends it
        pass

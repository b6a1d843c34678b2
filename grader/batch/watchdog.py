"""Keeping a worker's process tree within its limits: a memory cgroup, and a watchdog.

The watchdog (`watch`) polls the worker's whole process tree for its memory and the wall
clock, and kills the tree at either limit; the cgroup (`MemoryCage`), where this machine
can make one, stops allocations faster than the watchdog can see them.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")


class MemoryCage:
    """A memory cgroup around one worker, where this machine lets us make one (v1 or v2).

    The watchdog reads the tree's resident memory four times a second and stops it at the
    limit; an allocation faster than that is stopped by the kernel at this cgroup's hard
    limit, a little higher. Without cgroups the watchdog alone guards memory.
    """

    V1 = Path("/sys/fs/cgroup/memory")
    V2 = Path("/sys/fs/cgroup")

    def __init__(self, name: str, limit_mb: int):
        self.path, self.version = None, None
        limit = str((limit_mb + 512) * 2**20)
        try:
            if (self.V2 / "cgroup.controllers").is_file() and "memory" in (self.V2 / "cgroup.controllers").read_text():
                path = self.V2 / name
                path.mkdir()
                self.path, self.version = path, 2
                (path / "memory.max").write_text(limit)
                if (path / "memory.swap.max").exists():
                    (path / "memory.swap.max").write_text("0")
            elif (self.V1 / "memory.limit_in_bytes").is_file():
                path = self.V1 / name
                path.mkdir()
                self.path, self.version = path, 1
                (path / "memory.limit_in_bytes").write_text(limit)
                if (path / "memory.memsw.limit_in_bytes").exists():
                    (path / "memory.memsw.limit_in_bytes").write_text(limit)
        except OSError:
            self.close()

    def wrap(self, command: list[str]) -> list[str]:
        """The command, started inside the cgroup (the shell joins it, then becomes the command)."""
        if self.path is None:
            return command
        return ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', str(self.path / "cgroup.procs"), *command]

    def oom_killed(self) -> bool:
        if self.path is None:
            return False
        try:
            text = (self.path / ("memory.events" if self.version == 2 else "memory.oom_control")).read_text()
        except OSError:
            return False
        counts = dict(line.split() for line in text.splitlines() if len(line.split()) == 2)
        return int(counts.get("oom_kill", "0")) > 0

    def close(self) -> None:
        if self.path is None:
            return
        try:
            for pid in (self.path / "cgroup.procs").read_text().split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            for _ in range(50):
                try:
                    self.path.rmdir()
                    break
                except OSError:
                    time.sleep(0.1)
        except OSError:
            pass
        self.path = None


def watch(process: subprocess.Popen, limits, started: float, outcome, cut=None) -> str:
    """Wait for the worker; kill its whole tree on the wall-clock or memory limit (`limits`: a Limits).

    `cut`: an Event set when the worker wrote more than the grader takes on its facts channel;
    the tree is killed then too. Returns how it ended ("exited", "out-of-memory", "timeout",
    "too-much") and keeps the peak memory in `outcome`.
    """
    while True:
        try:
            process.wait(timeout=0.25)
            return "exited"
        except subprocess.TimeoutExpired:
            pass
        if cut is not None and cut.is_set():
            _kill_tree(process)
            return "too-much"
        rss = _tree_rss_mb(process.pid)
        outcome.peak_rss_mb = max(outcome.peak_rss_mb, rss)
        if rss > limits.memory_mb:
            _kill_tree(process)
            return "out-of-memory"
        if time.monotonic() - started > limits.wall_seconds:
            _kill_tree(process)
            return "timeout"


def _kill_tree(process: subprocess.Popen) -> None:
    """SIGKILL the worker's session (and with bwrap's PID namespace, everything in it)."""
    for pid in [process.pid] + _descendants(process.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    return children


def _descendants(pid: int) -> list[int]:
    children, found, stack = _children_map(), [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def _tree_rss_mb(pid: int) -> float:
    """The tree's memory: each process's proportional share (PSS) where the kernel gives it, else RSS.

    A warm worker's processes share the pages of the zygote that forked them; counting them
    whole in each would count TensorFlow three times over.
    """
    total = 0
    for member in [pid] + _descendants(pid):
        total += _memory_bytes(member)
    return total / 2**20


def _memory_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0

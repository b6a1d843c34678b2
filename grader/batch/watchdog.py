"""Keeping a worker's process tree within its limits: a memory cgroup, and a watchdog.

In the sandbox everything a submission writes is memory: /scratch, /tmp and /dev/shm are
tmpfs, and so is a memfd. So memory is counted as the kernel counts it:

- where this machine lets us make a memory cgroup (`MemoryCage`: v1 or v2, writable), it
  is the limit: its hard limit is the memory limit itself, with no swap, and it charges
  every page the tree brings in, tmpfs files, memfds and SysV shared memory included. The
  watchdog reads the cgroup's usage less its inactive file cache (what the kernel would
  reclaim first) for the peak, and ends the grading as out-of-memory as soon as the
  kernel has had to kill a process of it (or, should it ever read more, at the limit);
- without one, the watchdog alone guards memory, four times a second: the tree's
  proportional share of memory (PSS), plus the space used in every writable tmpfs of the
  sandbox's own mount namespace (each file system once), plus every memfd a process of
  the tree holds open or maps (each once). A page both mapped and held is counted twice:
  a stricter count, never a looser one. Not counted there: SysV shared memory nobody maps
  and kernel memory (pipe and socket buffers); and without a sandbox (no mount namespace
  of its own) no tmpfs, since /tmp and /dev/shm are then the machine's.

The watchdog also keeps the wall clock, and kills the whole tree at either limit.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")


class MemoryCage:
    """A memory cgroup around one worker, where this machine lets us make one (v1 or v2): the memory limit.

    Its hard limit is the limit itself, swap none: past it the kernel reclaims the tree's
    file cache and then kills a process of the tree (an allocation faster than the
    watchdog's polls is stopped all the same). Without cgroups `path` is None and the
    watchdog alone guards memory (see the module's docstring).

    With `processes`, and where the pids controller can be had (v1: a group of its own;
    v2: the same group), the tree also gets at most that many tasks (threads count, as
    they do for RLIMIT_NPROC), whatever its uid; `pids_path` is None otherwise.
    """

    V1 = Path("/sys/fs/cgroup/memory")
    V2 = Path("/sys/fs/cgroup")
    PIDS_V1 = Path("/sys/fs/cgroup/pids")
    path = version = pids_path = None

    def __init__(self, name: str, limit_mb: int, processes: int | None = None):
        limit = str(limit_mb * 2**20)
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
                if (path / "memory.memsw.limit_in_bytes").exists():  # memory + swap: no swap at all
                    (path / "memory.memsw.limit_in_bytes").write_text(limit)
        except OSError:
            self.close()
        if processes and self.path is not None:
            try:
                if self.version == 2 and (self.path / "pids.max").exists():
                    (self.path / "pids.max").write_text(str(processes))
                    self.pids_path = self.path
                elif self.version == 1 and (self.PIDS_V1 / "cgroup.procs").is_file():  # the root has no pids.max
                    (self.PIDS_V1 / name).mkdir()
                    self.pids_path = self.PIDS_V1 / name
                    (self.pids_path / "pids.max").write_text(str(processes))
            except OSError:  # no process limit of the cgroup's: RLIMIT_NPROC still holds
                if self.pids_path not in (None, self.path):
                    try:
                        self.pids_path.rmdir()
                    except OSError:
                        pass
                self.pids_path = None

    @classmethod
    def sweep(cls, prefix: str = "grader-batch-") -> int:
        """Remove the empty groups PREFIX<pid>-... whose process is gone (a batch killed before it closed them).

        A group that still holds a process cannot be removed, and one whose batch process
        still runs is left alone. Returns how many were removed.
        """
        removed = 0
        for root in (cls.V1, cls.PIDS_V1, cls.V2):
            try:
                groups = [entry for entry in os.scandir(root) if entry.name.startswith(prefix) and entry.is_dir()]
            except OSError:
                continue
            for group in groups:
                pid = group.name[len(prefix):].split("-")[0]
                if not pid.isdigit() or _alive(int(pid)):
                    continue
                try:
                    os.rmdir(group.path)
                    removed += 1
                except OSError:
                    pass
        return removed

    @property
    def joins(self) -> list[str]:
        """The cgroup.procs files a process writes its pid in to join the cage (each group once)."""
        return [str(group / "cgroup.procs") for group in dict.fromkeys((self.path, self.pids_path)) if group]

    def wrap(self, command: list[str]) -> list[str]:
        """The command, started inside the cgroups (the shell joins them, then becomes the command)."""
        if not self.joins:
            return command
        join = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"'
        return ["/bin/sh", "-c", join, "sh", *self.joins, "--", *command]

    def used_mb(self) -> float | None:
        """What the cgroup holds less its inactive file cache, in MB; None without a cgroup (or unreadable)."""
        if self.path is None:
            return None
        try:
            if self.version == 2:
                usage, inactive = int((self.path / "memory.current").read_text()), "inactive_file"
            else:
                usage, inactive = int((self.path / "memory.usage_in_bytes").read_text()), "total_inactive_file"
            stat = dict(line.split() for line in (self.path / "memory.stat").read_text().splitlines()
                        if len(line.split()) == 2)
            return max(usage - int(stat.get(inactive, "0")), 0) / 2**20
        except (OSError, ValueError):
            return None

    def oom_killed(self) -> bool:
        """Whether the kernel killed a process of the cgroup at its limit."""
        if self.path is None:
            return False
        try:
            text = (self.path / ("memory.events" if self.version == 2 else "memory.oom_control")).read_text()
        except OSError:
            return False
        counts = dict(line.split() for line in text.splitlines() if len(line.split()) == 2)
        return int(counts.get("oom_kill", "0")) > 0

    def close(self) -> None:
        """Kill what is left in the groups, and remove them."""
        for group in dict.fromkeys((self.path, self.pids_path)):
            if group is None:
                continue
            try:
                for pid in (group / "cgroup.procs").read_text().split():
                    try:
                        os.kill(int(pid), signal.SIGKILL)
                    except (ProcessLookupError, ValueError):
                        pass
                for _ in range(50):
                    try:
                        group.rmdir()
                        break
                    except OSError:
                        time.sleep(0.1)
            except OSError:
                pass
        self.path = self.pids_path = None


def watch(process: subprocess.Popen, limits, started: float, outcome, cut=None, cage: MemoryCage | None = None) -> str:
    """Wait for the worker; kill its whole tree on the wall-clock or memory limit (`limits`: a Limits).

    `cut`: an Event set when the worker wrote more than the grader takes on its facts channel;
    the tree is killed then too. `cage`: the worker's memory cgroup, if it has one: then
    memory is the cgroup's count, else the tree's (see the module's docstring). Returns how
    it ended ("exited", "out-of-memory", "timeout", "too-much") and keeps the peak memory
    in `outcome`.
    """
    while True:
        try:
            process.wait(timeout=0.25)
            return "out-of-memory" if cage is not None and cage.oom_killed() else "exited"
        except subprocess.TimeoutExpired:
            pass
        if cut is not None and cut.is_set():
            _kill_tree(process)
            return "too-much"
        used = cage.used_mb() if cage is not None else None
        if used is None:
            used = tree_memory_mb(process.pid)
        outcome.peak_rss_mb = max(outcome.peak_rss_mb, used)
        if used > limits.memory_mb or (cage is not None and cage.oom_killed()):
            _kill_tree(process)
            return "out-of-memory"
        if time.monotonic() - started > limits.wall_seconds:
            _kill_tree(process)
            return "timeout"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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


def tree_memory_mb(pid: int) -> float:
    """The tree's memory where no cgroup counts it: PSS, its sandbox's tmpfs, its memfds (see the module).

    PSS, not RSS: a warm worker's processes share the pages of the zygote that forked them;
    counting them whole in each would count TensorFlow three times over.
    """
    members = [pid] + _descendants(pid)
    return (sum(_memory_bytes(member) for member in members) + _tmpfs_bytes(members) + _memfd_bytes(members)) / 2**20


def _tmpfs_bytes(members: list[int]) -> int:
    """Space used in the writable tmpfs of the tree's sandboxes, each file system once.

    A sandbox here: a mount namespace other than ours, with a root of its own (until the
    sandbox has pivoted into its root, its mount table is still the machine's, whose tmpfs
    are not the submission's). Files held open after they were removed still count: a
    tmpfs frees them only when closed.
    """
    try:
        ours, root = os.stat("/proc/self/ns/mnt").st_ino, os.stat("/")
    except OSError:
        return 0
    namespaces, seen, total = {ours}, set(), 0
    for member in members:
        try:
            namespace = os.stat(f"/proc/{member}/ns/mnt").st_ino
            theirs = os.stat(f"/proc/{member}/root")
            if namespace in namespaces or (theirs.st_dev, theirs.st_ino) == (root.st_dev, root.st_ino):
                continue
            namespaces.add(namespace)
            with open(f"/proc/{member}/mountinfo", "rb") as handle:
                table = handle.read().decode("utf-8", "replace").splitlines()
        except OSError:
            continue
        for line in table:
            # ID PARENT MAJOR:MINOR ROOT MOUNT-POINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER-OPTIONS
            before, _, after = line.partition(" - ")
            fields, kind = before.split(), after.split()[:1]
            if len(fields) < 6 or kind != ["tmpfs"] or not fields[5].startswith("rw") or fields[2] in seen:
                continue
            try:
                # the path as seen from inside, through the process's root (escapes such as \040 left as they are:
                # the sandbox's own mount points have none)
                usage = os.statvfs(f"/proc/{member}/root{fields[4]}")
            except OSError:
                continue
            seen.add(fields[2])
            total += (usage.f_blocks - usage.f_bfree) * usage.f_frsize
    return total


def _memfd_bytes(members: list[int]) -> int:
    """The memory of every memfd a process of the tree holds open or maps, each file once."""
    seen, total = set(), 0
    for member in members:
        paths = []
        try:
            for fd in os.listdir(f"/proc/{member}/fd"):
                try:
                    if os.readlink(f"/proc/{member}/fd/{fd}").startswith("/memfd:"):
                        paths.append(f"/proc/{member}/fd/{fd}")
                except OSError:
                    continue
            with open(f"/proc/{member}/maps", "rb") as handle:
                for line in handle:
                    if b" /memfd:" in line:  # START-END PERMS OFFSET DEVICE INODE PATH
                        paths.append(f"/proc/{member}/map_files/{line.split(None, 1)[0].decode()}")
        except OSError:
            continue
        for path in paths:
            try:
                info = os.stat(path)
            except OSError:
                continue
            if (info.st_dev, info.st_ino) not in seen:
                seen.add((info.st_dev, info.st_ino))
                total += info.st_blocks * 512
    return total


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

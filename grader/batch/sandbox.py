"""Running the probe worker on one submission, isolated where bubblewrap exists, with limits everywhere.

A worker is normally forked from its slot's warm process, which has imported TensorFlow
(warm.py), and builds its own sandbox; a cold worker starts afresh in bubblewrap (started
as root, no user namespace; see NOTES.md). Either way the worker sees: the interpreter
and /usr read-only (where they hold another copy of the grader, as a non-editable
install in site-packages does, its hidden checks and install record covered: `masks`),
the staged grader read-only (no reference/, no hidden checks; at /grader for a cold
worker, at its own path for a warm one), the submission read-only at
/submission (a warm sandbox's own copy on a tmpfs; a bind for a cold one), and three
tmpfs of its own with a size: /scratch (its working folder and HOME, Limits.disk_mb),
/tmp and /dev/shm (TMPFS_MB); no network, no other process, fresh IPC and UTS
namespaces. It runs as an unprivileged uid no earlier grading had (SandboxUids: so that
process limits of one cannot starve another, and nothing the kernel keeps per uid passes
on), under a seccomp filter (syscalls.py: no key-ring, no new namespaces, no mounts, no
ptrace). Without bubblewrap, or when not root, it is a plain process with the same
limits, working in a host folder (OUT/.work/ID/scratch, capped per file by RLIMIT_FSIZE
only): not isolated, and `grader batch` says so; without libseccomp it is sandboxed
without the filter, and says that.

Limits: wall-clock (the whole process tree is killed), CPU seconds (RLIMIT_CPU), memory
(everything the tree holds, its tmpfs files and memfds included: a memory cgroup at the
limit where the machine allows one, else the watchdog's own count; see watchdog.py; past
it the tree is killed and the status is out-of-memory), disk (the size of /scratch, /tmp
and /dev/shm: a write past it fails with ENOSPC; and their files are memory), processes
(a pids cgroup beside the memory one where there is one, and RLIMIT_NPROC for the
grading's uid), file size (RLIMIT_FSIZE), and the output kept (the last 64 KB of
stdout/stderr). README.md, "What protects a grade", says which holds where.
"""
from __future__ import annotations

import base64
import collections
import contextlib
import functools
import json
import os
import secrets
import select
import shutil
import signal
import site
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader.batch import syscalls
from grader.batch.warm import Forked, Zygote
from grader.batch.watchdog import MemoryCage, watch
from grader.questions import message

# Unprivileged uids with no account: a range of its own per batch process, so that batches
# side by side (shards on one node) never share a uid, and a fresh uid of that range for each
# grading, so that nothing kept per uid (the kernel key-ring, process counts) passes from one
# submission to the next (issue 18). 41 million at most: far below 2**31.
SANDBOX_UID_BASE, UIDS_PER_BATCH = 100_000, 4096


class SandboxUids:
    """The uids of one batch process: each grading leases one no other running grading holds."""

    def __init__(self, pid: int):
        self.first = SANDBOX_UID_BASE + (pid % 10_000) * UIDS_PER_BATCH
        self._next = secrets.randbelow(UIDS_PER_BATCH)  # a later batch with this pid starts elsewhere
        self._in_use: set[int] = set()
        self._lock = threading.Lock()

    def take(self) -> int:
        with self._lock:
            for _ in range(UIDS_PER_BATCH):
                uid = self.first + self._next % UIDS_PER_BATCH
                self._next += 1
                if uid not in self._in_use:
                    self._in_use.add(uid)
                    return uid
        raise RuntimeError(f"all {UIDS_PER_BATCH} sandbox uids of this batch are in use")

    def give_back(self, uid: int) -> None:
        with self._lock:
            self._in_use.discard(uid)

    @contextlib.contextmanager
    def lease(self):
        uid = self.take()
        try:
            yield uid
        finally:
            self.give_back(uid)


_UIDS: dict[int, SandboxUids] = {}
_UIDS_LOCK = threading.Lock()


def sandbox_uids() -> SandboxUids:
    """This process's uids (a forked process gets a range of its own)."""
    with _UIDS_LOCK:
        return _UIDS.setdefault(os.getpid(), SandboxUids(os.getpid()))


LOG_TAIL = 64 * 1024
CAGE_PREFIX = "grader-batch-"  # the workers' cgroups: grader-batch-<batch pid>-<slot>-<random>


@dataclass(frozen=True)
class Limits:
    wall_seconds: float = 600
    memory_mb: int = 3072  # everything the tree holds: its processes' memory, tmpfs files, memfds (watchdog.py)
    processes: int = 512  # threads count too; TensorFlow starts dozens
    file_mb: int = 256
    disk_mb: int = 512  # the sandbox's /scratch, a tmpfs: its files are memory too, so they count in memory_mb


TMPFS_MB = 256  # the sandbox's /tmp and /dev/shm, each (their files count in memory_mb too)


@dataclass
class Outcome:
    """What came out of the sandbox: facts per area (plain data) and how the process ended."""

    areas: dict[str, dict] = field(default_factory=dict)  # area -> {"facts": ...} or {"failure": ...}
    finished: bool = False  # the worker reported every area
    ended: str = "exited"  # "exited" | "timeout" | "out-of-memory" | "cpu" | "signal" | "too-much"
    exit_code: int | None = None
    seconds: float = 0.0
    peak_rss_mb: float = 0.0
    log: str = ""
    rejected_lines: int = 0  # lines on the facts channel without the token: forged, ignored
    tampered: tuple[str, ...] = ()  # grader functions the student's code replaced (then no facts count)
    setup_failed: str = ""  # a warm worker could not build its sandbox (before any student code ran)
    too_much: str = ""  # the facts channel was cut: what the worker wrote past its caps (then ended "too-much")


def bubblewrap() -> str | None:
    """The bwrap executable, when isolation is possible here (Linux, bwrap installed, running as root)."""
    path = shutil.which("bwrap")
    if path is None or not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("setpriv") is None:
        return None
    return path


def isolation_problem() -> str | None:
    """Why runs are not isolated here, or None when they are."""
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed"
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "grader batch is not running as root, which this form of bubblewrap needs"
    if shutil.which("setpriv") is None:
        return "setpriv (util-linux) is not installed"
    return None


def _readable_ancestors(paths) -> list[str]:
    """bwrap creates the parents of bind targets as 0700 directories: make them 0755 first."""
    args, seen = [], set()
    for path in paths:
        for parent in reversed(Path(path).parents):
            if str(parent) in ("/", "/usr") or str(parent) in seen:
                continue
            seen.add(str(parent))
            args += ["--perms", "0755", "--dir", str(parent)]
    return args


def _worker(facts_fd: int, submission, scratch, areas=()) -> list[str]:
    # -P: the working directory (the scratch folder, which student code can write) is not on sys.path
    return [sys.executable, "-P", "-m", "grader.batch.worker", str(submission), str(scratch), str(facts_fd), *areas]


def _prlimit(limits: Limits, cpu_seconds: int) -> list[str]:
    """Resource limits for the worker and everything it starts (util-linux prlimit)."""
    return ["prlimit", f"--cpu={cpu_seconds}:{cpu_seconds + 5}", f"--fsize={limits.file_mb * 2**20}",
            f"--nproc={limits.processes}", "--core=0", "--"]


def _prefixes() -> list[str]:
    """Where the interpreter and its packages live, outside /usr (a virtualenv, a pyenv build)."""
    prefixes = sorted({str(Path(p).resolve()) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)})
    return [p for p in prefixes if not p.startswith("/usr")]


GRADER_PACKAGE = Path(__file__).resolve().parents[1]  # the running grader (in a repository, or installed)
RECORDS = ("*.dist-info/RECORD", "*.egg-info/SOURCES.txt", "*.egg-info/installed-files.txt")


@functools.cache
def instructor_only() -> tuple[tuple[str, str], ...]:
    """Every copy of the instructor-only files this interpreter can reach: (path, "folder" or "file").

    The hidden checks (grader/hidden) of the running grader and of each `grader` package on
    sys.path (a non-editable install puts one in site-packages, which the sandbox binds with
    the interpreter), the reference solution beside a repository's grader, and the install
    records that list grader/hidden's files (and their hashes).
    """
    places = {Path(os.path.abspath(entry)) for entry in sys.path if isinstance(entry, str)}
    places |= {Path(entry) for entry in getattr(site, "getsitepackages", list)()}
    found: dict[str, str] = {}
    for package in {GRADER_PACKAGE} | {place / "grader" for place in places}:
        if not (package / "__init__.py").is_file():
            continue
        if (package / "hidden").is_dir():
            found[str((package / "hidden").resolve())] = "folder"
        if (package.parent / "reference" / "callbacks.py").is_file():
            found[str((package.parent / "reference").resolve())] = "folder"
    for place in places:
        for pattern in RECORDS:
            for record in place.glob(pattern):
                try:
                    if "grader/hidden/" in record.read_text(encoding="utf-8", errors="replace"):
                        found[str(record.resolve())] = "file"
                except OSError:
                    continue
    return tuple(sorted(found.items()))


def masks(binds) -> list[list[str]]:
    """[target, kind] of each instructor-only path that one of `binds` ([source, target, ...]) would show.

    Inside the sandbox an empty read-only folder (a tmpfs) covers each such folder, and an
    unreadable file (/dev/null, on a nodev mount) each such record.
    """
    covered = []
    for path, kind in instructor_only():
        for source, target, *_ in binds:
            source = Path(source).resolve()
            if Path(path) != source and Path(path).is_relative_to(source):
                covered.append([str(Path(target) / Path(path).relative_to(source)), kind])
    return covered


def _mask_args(covered) -> list[str]:
    args = []
    for target, kind in covered:
        if kind == "folder":
            args += ["--perms", "0555", "--size", "4096", "--tmpfs", target, "--remount-ro", target]
        else:
            args += ["--ro-bind", "/dev/null", target]
    return args


def _bwrap_command(bwrap: str, uid: int, grader_root: Path, submission: Path, disk_mb: int,
                   env: dict, facts_fd: int, areas=(), seccomp_fd: int | None = None) -> list[str]:
    prefixes = _prefixes()
    command = [
        bwrap, *(["--seccomp", str(seccomp_fd)] if seccomp_fd is not None else []), "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
        "--die-with-parent", "--new-session", "--clearenv",
        "--ro-bind", "/usr", "/usr",
        "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/bin", "/bin",
        "--proc", "/proc", "--dev", "/dev",
        # writable by the worker's uid (sticky, like a real /tmp), each a tmpfs of its own with a size
        "--perms", "1777", "--size", str(TMPFS_MB * 2**20), "--tmpfs", "/tmp",
        "--perms", "1777", "--size", str(TMPFS_MB * 2**20), "--tmpfs", "/dev/shm",
        "--perms", "1777", "--size", str(disk_mb * 2**20), "--tmpfs", "/scratch",
    ]
    command += _readable_ancestors(prefixes)
    binds = [["/usr", "/usr"], *([prefix, prefix] for prefix in prefixes),
             [str(grader_root), "/grader"], [str(submission), "/submission"]]
    for source, target in binds[1:]:
        command += ["--ro-bind", source, target]
    command += _mask_args(masks(binds))  # an installed grader's hidden checks, in the interpreter's site-packages
    command += ["--chdir", "/scratch"]
    for key, value in {**env, "PYTHONPATH": "/grader", "HOME": "/scratch", "TMPDIR": "/tmp"}.items():
        command += ["--setenv", key, value]
    command += ["--remount-ro", "/",
                "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs",
                *_worker(facts_fd, "/submission", "/scratch", areas)]
    return command


def worker_env(threads: int | None = None) -> dict:
    """The environment a worker starts with (TensorFlow reads its thread counts when imported)."""
    env = {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONUNBUFFERED": "1",
        "MALLOC_ARENA_MAX": "2",
        "GRADER_REFERENCE": "profile",
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }
    if threads:
        env["TF_NUM_INTRAOP_THREADS"] = env["TF_NUM_INTEROP_THREADS"] = str(threads)
    return env


def warm_zygote(grader_root: Path, threads: int | None = None, folder: Path | None = None) -> Zygote:
    """A warm worker for one slot: TensorFlow imported once, each submission a fresh sandboxed fork of it."""
    return Zygote(grader_root, worker_env(threads), folder)


def run_worker(grader_root: Path, submission: Path, scratch: Path, limits: Limits, slot: int = 0,
               isolate: bool = True, threads: int | None = None, areas=(), zygote: Zygote | None = None,
               uid: int | None = None, asking: tuple[int | None, int | None] = (None, None)) -> Outcome:
    """Probe one prepared submission in a sandboxed worker process and collect what it reports.

    `areas`: only these rubric areas, in this order (default: all six). `zygote`: fork the
    worker from this warm process (see warm.py); without one, or where it cannot build the
    sandbox, a cold worker starts (bubblewrap, or a plain process) and imports TensorFlow itself.
    `uid`: the grading's sandbox uid (a grading that restarts its worker keeps it); without
    one, a fresh uid is leased for this worker alone. `asking`: the seeds of the grading's questions
    and of its held-out images (grader.questions; None: the public ones), handed to the worker with
    its token.
    """
    if uid is None:
        with sandbox_uids().lease() as uid:
            return run_worker(grader_root, submission, scratch, limits, slot, isolate, threads, areas, zygote, uid,
                              asking)
    bwrap = bubblewrap() if isolate else None
    program = syscalls.program() if bwrap else None
    env = worker_env(threads)
    if not bwrap:  # sandboxed, /scratch is a tmpfs of the sandbox's own; unsandboxed, this folder (RLIMIT_FSIZE only)
        scratch.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(16)
    facts_read, facts_write = os.pipe()
    cpu_seconds = int(limits.wall_seconds * max(os.cpu_count() or 1, 1)) + 10
    cage = MemoryCage(f"{CAGE_PREFIX}{os.getpid()}-{slot}-{secrets.token_hex(4)}", limits.memory_mb,
                      limits.processes)
    process = None
    try:
        if zygote is not None and zygote.broken is None:
            try:
                process, stdin, stdout = _fork_warm(zygote, grader_root, submission, scratch, limits, uid, env,
                                                    facts_write, cage, cpu_seconds, bool(bwrap), areas, program)
            except (OSError, RuntimeError) as error:  # it would not start or fork: grade cold from now on
                zygote.broken = f"{type(error).__name__}: {error}"
        if process is None:
            process = _start_cold(bwrap, grader_root, submission, scratch, limits, uid, env, facts_write, cage,
                                  cpu_seconds, areas, program)
            stdin, stdout = process.stdin, process.stdout
    except BaseException:
        os.close(facts_read)
        cage.close()
        raise
    finally:
        os.close(facts_write)
    outcome = _collect(process, stdin, stdout, facts_read, token, cage, limits,
                       bubblewrapped=bool(bwrap) and not isinstance(process, Forked), asking=asking)
    if outcome.setup_failed and zygote is not None:  # no student code ran: grade it cold, and stay cold
        zygote.broken = outcome.setup_failed
        again = run_worker(grader_root, submission, scratch, limits, slot, isolate, threads, areas, uid=uid,
                           asking=asking)
        again.log = f"[grader] the warm sandbox could not be built ({outcome.setup_failed}); graded cold\n" + again.log
        return again
    return outcome


def _filter_fd(program: bytes) -> int:
    """A descriptor to read the compiled filter from (bubblewrap's --seccomp): a pipe, written and closed."""
    read, write = os.pipe()
    try:
        os.write(write, program)  # a few hundred bytes: far below a pipe's buffer
    finally:
        os.close(write)
    return read


def _start_cold(bwrap, grader_root, submission, scratch, limits, uid, env, facts_write, cage, cpu_seconds, areas,
                program=None):
    handed = [facts_write]
    if bwrap:
        seccomp_fd = _filter_fd(program) if program else None
        if seccomp_fd is not None:
            handed.append(seccomp_fd)
        command = _bwrap_command(bwrap, uid, grader_root, submission, limits.disk_mb, env, facts_write, areas,
                                 seccomp_fd)
        child_env = {}
    else:
        command = _worker(facts_write, submission, scratch, areas)
        child_env = {**env, "PYTHONPATH": str(grader_root), "HOME": str(scratch),
                     "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    if shutil.which("prlimit"):
        command = _prlimit(limits, cpu_seconds) + command
    command = cage.wrap(command)
    try:
        return subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            pass_fds=tuple(handed), close_fds=True, env=child_env, cwd="/" if bwrap else str(scratch),
            start_new_session=True,
        )
    finally:
        for fd in handed[1:]:
            os.close(fd)


def _warm_binds(grader_root: Path) -> list[list]:
    """What a warm sandbox sees of this machine: [source, target, writable], as bubblewrap's binds.

    The staged grader keeps its own path: the zygote imported its modules from there. The
    submission is not bound: the child copies it (see `_fork_warm`); /scratch is a tmpfs.
    """
    binds = [["/usr", "/usr", False]] + [[prefix, prefix, False] for prefix in _prefixes()]
    return binds + [[str(grader_root), str(grader_root), False]]


def _fork_warm(zygote, grader_root, submission, scratch, limits, uid, env, facts_write, cage, cpu_seconds,
               isolated, areas, program=None):
    if isolated:
        binds = _warm_binds(grader_root)
        where = {"submission": "/submission", "scratch": "/scratch",
                 "env": {**env, "PYTHONPATH": str(grader_root), "HOME": "/scratch", "TMPDIR": "/tmp"}}
    else:
        binds = []
        where = {"submission": str(submission), "scratch": str(scratch),
                 "env": {**env, "PYTHONPATH": str(grader_root), "HOME": str(scratch),
                         "PATH": os.environ.get("PATH", "/usr/bin:/bin")}}
    request = {
        "isolate": isolated, "uid": uid, "areas": list(areas), "binds": binds, **where,
        # the submission travels as an open descriptor (its name, a student's often, would otherwise stay in
        # the zygote's memory for every later fork to read), and is copied into a read-only tmpfs: a bind
        # would show its host path in the sandbox's /proc/self/mountinfo
        "copies": [["@submission", "/submission"]] if isolated else [],
        "masks": masks(binds) if isolated else [],
        "seccomp": base64.b64encode(program).decode() if isolated and program else None,
        "cages": cage.joins,
        "limits": {"cpu": cpu_seconds, "fsize": limits.file_mb * 2**20, "nproc": limits.processes,
                   "disk": limits.disk_mb * 2**20, "tmpfs": TMPFS_MB * 2**20},
    }
    stdin_read, stdin_write = os.pipe()
    log_read, log_write = os.pipe()
    handed = [stdin_read, log_write]
    try:
        if isolated:
            handed.append(os.open(submission, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC))
        process = zygote.spawn(request, (stdin_read, log_write, facts_write, *handed[2:]))
    except BaseException:
        os.close(stdin_write)
        os.close(log_read)
        raise
    finally:
        for fd in handed:
            os.close(fd)
    return process, os.fdopen(stdin_write, "wb"), os.fdopen(log_read, "rb")


def _collect(process, stdin, stdout, facts_read: int, token: str, cage: MemoryCage, limits: Limits,
             bubblewrapped: bool = False, asking: tuple[int | None, int | None] = (None, None)) -> Outcome:
    """Hand the worker its token and questions, keep its log and facts, watch its limits until it ends.

    Each pipe has one reader, owned by this call: when the worker has ended, each gets up to
    READER_DRAIN_SECONDS to read to the end, then is closed; only then is the Outcome filled,
    from what the closed readers hold. A reader never writes into an Outcome, so one that
    outlived its worker (a process that escaped with the pipe) cannot touch a later grading.
    """
    outcome = Outcome()
    started = time.monotonic()
    log, facts = LogReader(stdout), FactsReader(facts_read, token)
    log.start()
    facts.start()
    try:
        try:
            stdin.write((message(token, *asking) + "\n").encode())
            stdin.close()
        except OSError:
            pass
        outcome.ended = watch(process, limits, started, outcome, cut=facts.cut, cage=cage)
    finally:
        oom_killed = cage.oom_killed()
        cage.close()
        deadline = time.monotonic() + READER_DRAIN_SECONDS
        kept = {reader: reader.close(deadline) for reader in (log, facts)}
    outcome.setup_failed = getattr(process, "setup_failed", "")  # told by the zygote, never by the worker
    heard = kept[facts]
    outcome.areas, outcome.finished, outcome.tampered = heard.areas, heard.finished, heard.tampered
    outcome.rejected_lines, outcome.too_much = heard.rejected_lines, heard.too_much
    outcome.exit_code = process.returncode
    if bubblewrapped and outcome.exit_code is not None and 128 < outcome.exit_code <= 128 + 64:
        outcome.exit_code = 128 - outcome.exit_code  # bubblewrap's init turns "killed by signal N" into 128+N
    if outcome.too_much:  # however the process ended after it: the channel was cut, the rest is not graded
        outcome.ended = "too-much"
    elif outcome.ended == "exited" and oom_killed:
        outcome.ended = "out-of-memory"
    elif outcome.ended == "exited" and outcome.exit_code is not None and outcome.exit_code < 0:
        signum = -outcome.exit_code
        outcome.ended = "cpu" if signum == signal.SIGXCPU else "signal"
    outcome.seconds = time.monotonic() - started
    outcome.log = kept[log].decode("utf-8", errors="replace")[-LOG_TAIL:]
    return outcome


# What the trusted process takes from one worker on its facts channel. An honest grading
# writes one line per area and one to end: 55 KB for its longest line (the train area,
# with summarize's answers) and 63 KB in all, measured on the reference and the fixtures
# (README, "What protects a grade"). Past either cap the channel is cut, the worker killed,
# and the submission is `crashed`: it wrote too much.
FACTS_LINE_MAX = 4 * 2**20
FACTS_TOTAL_MAX = 16 * 2**20
READER_DRAIN_SECONDS = 5  # after the worker ended: what is still in a pipe is read for this long at most
_POLL_SECONDS = 0.1  # how soon a reader notices it is closed


class _PipeReader:
    """One thread reading one pipe in chunks, until the end of the pipe or until `close`.

    The thread never blocks for long (it polls), so `close` always ends it; what it read is
    handed over by `close` and nothing it reads later is kept.
    """

    def __init__(self, fd: int, release=None):
        """`release`: how the descriptor is closed, by the thread, once it is done (default os.close)."""
        self._fd, self._release = fd, release or (lambda: os.close(fd))
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._closed = False
        self._thread = threading.Thread(target=self._run, daemon=True, name=type(self).__name__)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        try:
            poller = select.poll()
            poller.register(self._fd, select.POLLIN | select.POLLHUP | select.POLLERR)
            while not self._stop.is_set():
                if not poller.poll(_POLL_SECONDS * 1000):
                    continue
                chunk = os.read(self._fd, 65536)
                if not chunk:
                    break
                with self._lock:
                    if self._closed or not self._take(chunk):
                        break
            with self._lock:
                if not self._closed:
                    self._end()
        except Exception as error:  # a reader that breaks loses its own grading's channel, nothing else
            with self._lock:
                if not self._closed:
                    self._broken(error)
        finally:
            try:
                self._release()  # by this thread only: a number closed elsewhere could be reused meanwhile
            except OSError:
                pass

    def _take(self, chunk: bytes) -> bool:
        """Keep a chunk (under the lock); False to stop reading."""
        raise NotImplementedError

    def _end(self) -> None:
        """The pipe ended (under the lock)."""

    def _broken(self, error: Exception) -> None:
        pass

    def _result(self):
        raise NotImplementedError

    def close(self, deadline: float):
        """What was read, once the pipe ended or at `deadline`; from then on the reader keeps nothing."""
        self._thread.join(max(deadline - time.monotonic(), 0))
        self._stop.set()
        with self._lock:
            self._closed = True
            return self._result()


class LogReader(_PipeReader):
    """The tail of what the worker printed (stdout and stderr): the last 2 x LOG_TAIL bytes or so."""

    def __init__(self, stream):
        super().__init__(stream.fileno(), release=stream.close)
        self._chunks: collections.deque[bytes] = collections.deque()
        self._kept = 0

    def _take(self, chunk: bytes) -> bool:
        self._chunks.append(chunk)
        self._kept += len(chunk)
        while self._kept > 2 * LOG_TAIL and len(self._chunks) > 1:
            self._kept -= len(self._chunks.popleft())
        return True

    def _result(self) -> bytes:
        return b"".join(self._chunks)


@dataclass
class Heard:
    """What one worker said on its facts channel, as its reader kept it."""

    areas: dict[str, dict] = field(default_factory=dict)
    finished: bool = False
    tampered: tuple[str, ...] = ()
    rejected_lines: int = 0
    too_much: str = ""  # why the channel was cut


class FactsReader(_PipeReader):
    """The facts channel: token-tagged JSON lines, at most FACTS_LINE_MAX each and FACTS_TOTAL_MAX in all.

    A line past its cap is not buffered on: the channel is cut (`cut` is set, for the
    watchdog to kill the worker). A line without the token is rejected before it is parsed.
    """

    def __init__(self, fd: int, token: str, line_max: int | None = None, total_max: int | None = None):
        super().__init__(fd)
        self._token, self._needle = token, token.encode()
        self._line_max = FACTS_LINE_MAX if line_max is None else line_max
        self._total_max = FACTS_TOTAL_MAX if total_max is None else total_max
        self._partial = bytearray()
        self._total = 0
        self.heard = Heard()
        self.cut = threading.Event()

    def _take(self, chunk: bytes) -> bool:
        self._total += len(chunk)
        if self._total > self._total_max:
            return self._too_much(f"more than {_mib(self._total_max)} in all")
        *lines, rest = chunk.split(b"\n")
        if lines:
            lines[0] = bytes(self._partial) + lines[0]
            self._partial = bytearray()
        for line in lines:
            self._line(line)
        self._partial += rest
        if len(self._partial) > self._line_max:
            return self._too_much(f"a line longer than {_mib(self._line_max)}")
        return True

    def _end(self) -> None:
        if self._partial:  # a last line without its newline: kept as before, if it is whole JSON
            self._line(bytes(self._partial))
            self._partial = bytearray()

    def _broken(self, error: Exception) -> None:
        self.heard.too_much = self.heard.too_much or f"the grader could not read it ({type(error).__name__})"
        self.cut.set()

    def _too_much(self, what: str) -> bool:
        self.heard.too_much = f"{what} on the grader's facts channel"
        self._partial = bytearray()
        self.cut.set()
        return False

    def _line(self, raw: bytes) -> None:
        heard = self.heard
        if len(raw) > self._line_max or self._needle not in raw:  # not parsed: no token, no work
            heard.rejected_lines += 1
            return
        try:
            line = json.loads(raw)
        except (ValueError, RecursionError):
            line = None
        if not isinstance(line, dict) or line.get("token") != self._token:
            heard.rejected_lines += 1
            return
        area = line.get("area")
        if line.get("tampered"):
            heard.tampered = tuple(str(x) for x in line["tampered"])[:20]
        elif line.get("done"):
            heard.finished = True
        elif isinstance(area, str) and area and not heard.finished and area not in heard.areas:
            heard.areas[area] = {k: v for k, v in line.items() if k in ("facts", "failure")}
        elif not isinstance(area, str):
            heard.rejected_lines += 1

    def _result(self) -> Heard:
        return self.heard


def _mib(size: int) -> str:
    return f"{size / 2**20:g} MiB"

"""Warm workers: TensorFlow is imported once per worker slot, not once per submission.

    python -s -m grader.batch.warm CONTROL_FD

Importing TensorFlow, Keras and tensorflow-datasets costs a fresh worker about 3.5 s,
a quarter of a grading. A *zygote* (one per worker slot, started by `grader batch`)
imports them once and then only waits on CONTROL_FD, a socket to the trusted grader.
It never runs student code, never imports the hidden checks (worker.leave_hidden_out),
and never initializes TensorFlow's runtime (forking after that deadlocks). For each
submission the grader sends it a request with three file descriptors (the token's
stdin, the log, the facts channel); the zygote forks, says the child's pid, and later
its wait status.

The child builds, before any student code runs, the sandbox bubblewrap builds for a
cold worker (see sandbox.py and NOTES.md), with the same system calls:

    child (root, outside)      joins the memory cgroup, new session, then unshares the
                               mount, PID, network, IPC, UTS and cgroup namespaces
      init (PID 1, root)       a fresh root: tmpfs with read-only binds of /usr, the
                               interpreter and the staged grader (an installed
                               grader's hidden/ in them covered: sandbox.masks); the
                               submission copied into a tmpfs, read-only at
                               /submission (no host path in the mount table);
                               tmpfs /scratch (the disk limit), /tmp and /dev/shm
                               (256 MB), mode 1777; a minimal /dev, a new /proc;
                               pivot_root, the old root detached, / read-only
        worker (PID 2)         resource limits, a clean environment, no groups, the
                               grading's own unprivileged uid, no_new_privs, the seccomp
                               filter (syscalls.py); then the worker

When the worker ends, init ends, and the kernel kills whatever is left in the PID
namespace. Without isolation (not root, or --no-sandbox) the child only gets the
resource limits and the clean environment, like a cold plain worker.
"""
from __future__ import annotations

import base64
import ctypes
import fcntl
import gc
import json
import os
import platform
import resource
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS = 0x00020000, 0x02000000, 0x04000000
CLONE_NEWIPC, CLONE_NEWPID, CLONE_NEWNET = 0x08000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 1, 38, 22, 2
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "ppc64le": 203, "s390x": 217}
SETUP_FAILED = 71  # the child's exit code when it could not build the sandbox (no student code ran)
OPEN_FOLDERS = {"@submission": 5}  # folders sent as descriptors (to copy in), and where the child keeps them
DEVICES = ("null", "zero", "full", "random", "urandom", "tty")
START_SECONDS = 120

_libc = ctypes.CDLL(None, use_errno=True)


# ---------------------------------------------------------------- the zygote (no student code)

def serve(control: socket.socket) -> None:
    """Fork one child per request until the grader closes the socket."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # the grader gone (even SIGKILLed): so is the zygote
    from grader.batch import worker

    worker.leave_hidden_out()  # before the grader's modules are imported: no fork may inherit the hidden checks
    worker.prepare()
    import keras  # noqa: F401  imported, not used: forking after TensorFlow's runtime starts would deadlock
    import tensorflow  # noqa: F401
    import tensorflow_datasets  # noqa: F401

    gc.freeze()  # the imports out of the collector's reach: its walks would write to pages every fork shares
    control.send(json.dumps({"ready": os.getpid()}).encode())
    while True:
        message, fds, _, _ = socket.recv_fds(control, 1 << 16, 5)
        if not message:
            return
        request = json.loads(message)
        sys.stdout.flush()
        sys.stderr.flush()
        report_read, report_write = os.pipe()
        me = os.getpid()
        pid = os.fork()
        if pid == 0:
            try:
                control.close()
                os.close(report_read)
                _child(request, fds, report_write, me)
            finally:
                os._exit(SETUP_FAILED)
        os.close(report_write)
        for fd in fds:
            os.close(fd)
        control.send(json.dumps({"pid": pid}).encode())
        _, status = os.waitpid(pid, 0)
        control.send(json.dumps({"status": status, **_reports(report_read)}).encode())


def _reports(fd: int) -> dict:
    """What the child and its init said on the report pipe, which student code never holds."""
    said = b""
    with os.fdopen(fd, "rb") as pipe:
        while select.select([pipe], [], [], 5)[0]:  # init may outlive the child by a moment
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            said += chunk
    reports = {}
    for line in said.decode("utf-8", "replace").splitlines():
        try:
            reports = {**json.loads(line), **reports}  # the first word on each subject counts
        except ValueError:
            continue
    return reports


def _child(request: dict, fds: list[int], report: int, zygote: int) -> None:
    """Outside the sandbox, root: set up, unshare, then wait for the sandbox's init."""
    os.umask(0o022)
    # 0 the message (token, questions), 1 and 2 the log, 3 the facts, 4 the report pipe, 5 the submission's folder
    sources = [fds[0], fds[1], fds[1], fds[2], report, *fds[3:]]
    lifted = [fcntl.fcntl(fd, fcntl.F_DUPFD, 100) for fd in sources]  # out of the way of the targets
    for target, fd in enumerate(lifted):
        os.dup2(fd, target)
    os.closerange(len(sources), resource.getrlimit(resource.RLIMIT_NOFILE)[0])
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != zygote:  # the zygote died before the line above: nobody would watch this one
        os._exit(SETUP_FAILED)
    os.setsid()
    message = sys.stdin.readline()  # the token and the questions (megabytes: not a `token` in any frame)
    if not message.strip():  # the grader is gone
        os._exit(SETUP_FAILED)
    try:
        for cage in request.get("cages", []):  # the memory cgroup, and the pids one where there is one
            Path(cage).write_text(str(os.getpid()))
    except Exception as error:
        _setup_failed(error)
    if not request["isolate"]:
        _become_worker(request, message, drop=False)
    try:
        # the folders' names, known to this child only (a mount cannot come from another namespace's descriptor)
        folders = {name: os.readlink(f"/proc/self/fd/{fd}") for name, fd in OPEN_FOLDERS.items()}
        request["binds"] = [[folders.get(source, source), target, writable]
                            for source, target, writable in request["binds"]]
        request["copies"] = [[folders.get(source, source), target] for source, target in request.get("copies", [])]
        _unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP)
    except Exception as error:
        _setup_failed(error)
    init = os.fork()
    if init == 0:
        _init(request, message)
    _, status = os.waitpid(init, 0)
    os.write(4, (json.dumps({"init_status": status}) + "\n").encode())
    os._exit(0)


def _init(request: dict, message: str) -> None:
    """PID 1 of the sandbox: build its file system, start the worker, reap, report the worker's status."""
    try:
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        _build_root(request)
        _loopback_up()
    except Exception as error:
        _setup_failed(error)
    worker = os.fork()
    if worker == 0:
        _become_worker(request, message, drop=True)
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            os._exit(SETUP_FAILED)
        if pid == worker:
            os.write(4, (json.dumps({"worker_status": status}) + "\n").encode())
            os._exit(0)


def _become_worker(request: dict, message: str, drop: bool) -> None:
    try:
        if drop:
            os.setsid()
        limits = request["limits"]
        for which, value in ((resource.RLIMIT_CPU, (limits["cpu"], limits["cpu"] + 5)),
                             (resource.RLIMIT_FSIZE, (limits["fsize"],) * 2),
                             (resource.RLIMIT_NPROC, (limits["nproc"],) * 2),
                             (resource.RLIMIT_CORE, (0, 0))):
            resource.setrlimit(which, value)
        os.environ.clear()
        os.environ.update(request["env"])
        if drop:
            uid = request["uid"]
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            _prctl(PR_SET_NO_NEW_PRIVS, 1)
            if request.get("seccomp"):
                load_filter(base64.b64decode(request["seccomp"]))
        os.chdir(request["scratch"])
    except Exception as error:
        _setup_failed(error)
    os.closerange(4, resource.getrlimit(resource.RLIMIT_NOFILE)[0])  # the report pipe: not for student code
    from grader.batch import worker

    sys.argv = [sys.argv[0], request["submission"], request["scratch"], "3", *request["areas"]]
    worker.run(Path(request["submission"]), Path(request["scratch"]), 3, message, tuple(request["areas"]))


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def load_filter(program: bytes) -> None:
    """Load a compiled seccomp program (syscalls.py) on this thread (needs no_new_privs, or root)."""
    instructions = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.cast(instructions, ctypes.c_void_p))
    if _libc.prctl(PR_SET_SECCOMP, ctypes.c_ulong(SECCOMP_MODE_FILTER), ctypes.byref(fprog), 0, 0) != 0:
        raise _errno("seccomp")


def _setup_failed(error: BaseException) -> None:
    """No student code has run: say so on the report pipe, so the grader grades this one cold."""
    try:
        os.write(4, (json.dumps({"setup_failed": f"{type(error).__name__}: {error}"}) + "\n").encode())
    finally:
        os._exit(SETUP_FAILED)


def _build_root(request: dict) -> None:
    root = request["root"]
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=16m")
    for name, target in (("usr/lib", "lib"), ("usr/lib64", "lib64"), ("usr/bin", "bin")):
        os.symlink(name, f"{root}/{target}")
    limits = request["limits"]
    for folder, size in (("tmp", limits["tmpfs"]), ("dev/shm", limits["tmpfs"]), ("scratch", limits["disk"])):
        os.makedirs(f"{root}/{folder}", 0o755)
        _mount("tmpfs", f"{root}/{folder}", "tmpfs", MS_NOSUID | MS_NODEV, f"mode=1777,size={size}")
    for device in DEVICES:
        open(f"{root}/dev/{device}", "w").close()
        _mount(f"/dev/{device}", f"{root}/dev/{device}", None, MS_BIND)
    for number, name in enumerate(("stdin", "stdout", "stderr")):
        os.symlink(f"/proc/self/fd/{number}", f"{root}/dev/{name}")
    os.symlink("/proc/self/fd", f"{root}/dev/fd")
    os.makedirs(f"{root}/proc", 0o755)
    _mount("proc", f"{root}/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    for source, target, writable in request["binds"]:
        where = root + target
        os.makedirs(where, 0o755, exist_ok=True)
        _mount(source, where, None, MS_BIND | MS_REC)
        _mount(None, where, None, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV | (0 if writable else MS_RDONLY))
    for target, kind in request.get("masks", []):  # instructor-only files a bind would show: covered
        where = root + target
        if not os.path.lexists(where):
            continue
        if kind == "folder":
            _mount("tmpfs", where, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0555,size=4k")
        else:
            _mount("/dev/null", where, None, MS_BIND)
        _mount(None, where, None, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY)
    for source, target in request.get("copies", []):
        _copy_in(source, root + target)
    os.chdir(root)
    os.mkdir(".old")
    if _libc.syscall(SYS_PIVOT_ROOT[platform.machine()], b".", b".old") != 0:
        raise _errno("pivot_root")
    os.chdir("/")
    if _libc.umount2(b"/.old", MNT_DETACH) != 0:
        raise _errno("umount the old root")
    os.rmdir("/.old")
    _mount(None, "/", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _copy_in(source: str, where: str) -> None:
    """A folder of files (a staged submission: flat, regular files only) copied into a tmpfs, then read-only.

    The sandbox's mount table then shows a tmpfs there, not the folder's host path. The
    copy is charged to the grading's memory cgroup, like everything the sandbox holds.
    """
    os.makedirs(where, 0o755, exist_ok=True)
    _mount("tmpfs", where, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755")
    with os.scandir(source) as entries:
        for entry in entries:
            if entry.is_file(follow_symlinks=False):
                shutil.copyfile(entry.path, f"{where}/{entry.name}", follow_symlinks=False)
                os.chmod(f"{where}/{entry.name}", 0o644)
    _mount(None, where, None, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY)


def _loopback_up() -> None:
    """Bring `lo` up, as bubblewrap does: the network namespace has nothing else."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        # SIOCSIFFLAGS on lo: up, loopback, running
        fcntl.ioctl(probe, 0x8914, struct.pack("16sH14x", b"lo", 0x1 | 0x8 | 0x40))


def _mount(source, target, fstype, flags, data=None) -> None:
    encode = (lambda text: None if text is None else str(text).encode())
    if _libc.mount(encode(source), encode(target), encode(fstype), ctypes.c_ulong(flags), encode(data)) != 0:
        raise _errno(f"mount {target}")


def _unshare(flags: int) -> None:
    if _libc.unshare(flags) != 0:
        raise _errno("unshare")


def _prctl(option: int, value: int) -> None:
    if _libc.prctl(option, ctypes.c_ulong(value), 0, 0, 0) != 0:
        raise _errno("prctl")


def _errno(what: str) -> OSError:
    number = ctypes.get_errno()
    return OSError(number, f"{what}: {os.strerror(number)}")


# ---------------------------------------------------------------- the grader's side

class Zygote:
    """One warm process for one worker slot: launched ahead, restarted if it ever dies."""

    def __init__(self, stage: Path, env: dict, folder: Path | None = None):
        """`folder`: where its two small folders go (default: the system's temporary folder)."""
        self.stage, self.env, self.folder = Path(stage), env, folder
        self.control = self.process = self.errors = None
        self.root = self.home = None
        self.ready = False
        self.broken: str | None = None  # why warm workers are off for this slot (then cold ones grade)

    def launch(self) -> None:
        """Start the zygote (it imports TensorFlow meanwhile); call from the thread that outlives it.

        The zygote dies with the thread that launched it (PR_SET_PDEATHSIG), so `grader batch`
        launches every slot's zygote from its main thread.
        """
        if self.process is not None and self.process.poll() is None:
            return
        self.close()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            if self.folder is not None:
                Path(self.folder).mkdir(parents=True, exist_ok=True)
            self.root = tempfile.mkdtemp(prefix="grader-root-", dir=self.folder)  # each child mounts its root here
            self.home = tempfile.mkdtemp(prefix="grader-home-", dir=self.folder)  # Keras and tfds read HOME on import
            self.errors = tempfile.TemporaryFile()
            self.process = subprocess.Popen(
                [sys.executable, "-s", "-P", "-m", "grader.batch.warm", str(theirs.fileno())],
                pass_fds=(theirs.fileno(),), close_fds=True, stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=self.errors, cwd=self.home, start_new_session=True,
                env={**self.env, "PYTHONPATH": str(self.stage), "HOME": self.home})
        except BaseException:
            ours.close()
            self.close()
            raise
        finally:
            theirs.close()
        self.control, self.ready = ours, False

    def _wait_ready(self) -> None:
        reply = self._receive(START_SECONDS)
        if not reply or "ready" not in reply:  # no answer in time, or it died
            self.errors.seek(0)
            tail = self.errors.read().decode("utf-8", "replace").strip().splitlines()[-3:]
            self.close()
            raise RuntimeError("the warm worker did not start: " + (" / ".join(tail) or "no message"))
        self.ready = True

    def spawn(self, request: dict, fds) -> "Forked":
        if self.process is None or self.process.poll() is not None:
            self.launch()
        if not self.ready:
            self._wait_ready()
        socket.send_fds(self.control, [json.dumps({**request, "root": self.root}).encode()], list(fds))
        reply = self._receive(30)
        if not reply or "pid" not in reply:
            self.close()
            raise RuntimeError("the warm worker did not fork")
        return Forked(self, reply["pid"])

    def _receive(self, timeout: float | None) -> dict | None:
        """The zygote's next message; None when it did not come in time; {} when the zygote is gone."""
        ready, _, _ = select.select([self.control], [], [], timeout)
        if not ready:
            return None
        try:
            message = self.control.recv(1 << 16)
        except OSError:
            return {}
        return json.loads(message) if message else {}

    def close(self) -> None:
        if self.control is not None:
            self.control.close()
            self.control = None
        if self.process is not None:
            try:
                self.process.kill()
            except OSError:
                pass
            self.process.wait()
            self.process = None
        if self.errors is not None:
            self.errors.close()
            self.errors = None
        for folder in (self.root, self.home):
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
        self.root = self.home = None
        self.ready = False


class Forked:
    """A forked worker, as far as the sandbox's watchdog cares: like a Popen without pipes."""

    def __init__(self, zygote: Zygote, pid: int):
        self.zygote, self.pid, self.returncode = zygote, pid, None
        self.setup_failed = ""  # the sandbox could not be built; no student code ran

    def wait(self, timeout: float | None = None):
        if self.returncode is not None:
            return self.returncode
        reply = self.zygote._receive(timeout)
        if reply is None:
            raise subprocess.TimeoutExpired("warm worker", timeout)
        if "status" not in reply:  # the zygote died, and the child with it (PR_SET_PDEATHSIG)
            self.zygote.close()
            self.returncode = -signal.SIGKILL
            return self.returncode
        self.setup_failed = str(reply.get("setup_failed", ""))
        # the worker's own status where it ran in a sandbox (the child outside only waited for it)
        status = reply.get("worker_status", reply.get("init_status", reply["status"]))
        self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode


if __name__ == "__main__":
    serve(socket.socket(fileno=int(sys.argv[1])))

"""Hostile (issue 18): tries what a new user namespace would give back (root inside it: mounts,
its own view of the file system), the kernel key-ring, ptrace and a look at the mount table;
prints "escape:" for each one that works.
"""
import ctypes
import errno
import os

CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWNET, SIGCHLD = 0x10000000, 0x00020000, 0x40000000, 17
NUMBERS = {  # unshare, setns, mount, clone, clone3, add_key, keyctl, ptrace, bpf, userfaultfd, pivot_root
    "x86_64": dict(unshare=272, setns=308, mount=165, clone=56, clone3=435, add_key=248, keyctl=250,
                   ptrace=101, bpf=321, userfaultfd=323, pivot_root=155, perf_event_open=298),
    "aarch64": dict(unshare=97, setns=268, mount=40, clone=220, clone3=435, add_key=217, keyctl=219,
                    ptrace=117, bpf=280, userfaultfd=282, pivot_root=41, perf_event_open=241),
}[os.uname().machine]
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def escape(what):
    print("escape:", what, flush=True)


def call(name, *args):
    result = libc.syscall(ctypes.c_long(NUMBERS[name]), *(ctypes.c_long(a) if isinstance(a, int) else a for a in args))
    number = ctypes.get_errno() if result < 0 else 0
    print(f"namespaces: {name} -> {result} ({errno.errorcode.get(number, 'ok')})", flush=True)
    return result


if hasattr(os, "unshare"):  # Python 3.12
    try:
        os.unshare(os.CLONE_NEWUSER)
        escape("os.unshare(CLONE_NEWUSER) worked")
    except OSError as error:
        print("namespaces: os.unshare ->", error, flush=True)
for flags in (CLONE_NEWUSER, CLONE_NEWUSER | CLONE_NEWNS, CLONE_NEWNET):
    if call("unshare", flags) == 0:
        escape(f"unshare({flags:#x}) worked")
child = call("clone", CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0)
if child == 0:
    os._exit(0)
if child > 0:
    os.waitpid(child, 0)
    escape("clone(CLONE_NEWUSER) worked")
if call("clone3", 0, 0) >= 0:
    escape("clone3 worked")
if call("mount", b"tmpfs", b"/tmp", b"tmpfs", 0, 0) == 0:
    escape("mount worked")
if call("setns", -1, 0) == 0 or ctypes.get_errno() == errno.EBADF:  # EBADF: the call itself was allowed
    escape("setns reached the kernel")
if call("pivot_root", b"/tmp", b"/tmp") == 0:
    escape("pivot_root worked")
serial = call("add_key", b"user", b"probe", b"x", 1, -4)
if serial > 0:
    escape("add_key worked")
if call("keyctl", 0, -4, 0, 0, 0) > 0:  # KEYCTL_GET_KEYRING_ID of the user key-ring
    escape("keyctl worked")
if call("ptrace", 16, os.getppid(), 0, 0) == 0:  # PTRACE_ATTACH to the sandbox's init
    escape("ptrace attached")
if call("userfaultfd", 0) >= 0:
    escape("userfaultfd worked")
if call("bpf", 0, 0, 0) >= 0 or ctypes.get_errno() not in (errno.EPERM, errno.ENOSYS):
    escape("bpf reached the kernel")
try:
    with open("/proc/self/mountinfo") as handle:
        shown = handle.read()
    print("namespaces: mountinfo", " | ".join(" ".join(line.split()[3:5]) for line in shown.splitlines()),
          flush=True)
except OSError as error:
    print("namespaces: mountinfo unreadable:", error, flush=True)
pid = os.fork()  # plain processes still start (clone without namespace flags)
if pid == 0:
    import posix

    posix._exit(7)  # not os._exit, which the grader watches for in student code
print("namespaces: fork still works:", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 7, flush=True)
print("namespaces: tried everything", flush=True)


def load_datasets(image_size=(150, 150), batch_size=32):
    raise NotImplementedError("load_datasets: build the two datasets")

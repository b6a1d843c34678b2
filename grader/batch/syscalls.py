"""The system calls a sandboxed worker may not make: a seccomp filter, compiled once by the grader.

Student code in the sandbox runs as an unprivileged uid with no capabilities, but some
kernel facilities are open to any uid and outlive a process or reach past the sandbox's
namespaces: the kernel key-ring (per uid, and it outlives the grading: one submission
stored its source there and a stub graded later under the same uid read it back), new
user namespaces (inside one, a process is "root" again and can mount, unshare and build
its own view), and a few debugging and kernel interfaces. The filter denies them with
EPERM (`clone3` with ENOSYS: its flags sit in memory a filter cannot read, and glibc falls
back to `clone` on ENOSYS, whose flags the filter checks). Everything else is allowed:
TensorFlow imports and trains under it (threads come from `clone` without namespace
flags). A system call from another ABI (32-bit `int 0x80`, x32) kills the process, as
libseccomp does for a foreign architecture.

The program is compiled here, in the trusted grader, with libseccomp (the `pyseccomp`
package, ctypes over the system's libseccomp.so.2), and handed as raw BPF to bubblewrap
(`--seccomp FD`) for a cold worker, or to the warm worker's child, which loads it itself
(warm.py) after no_new_privs and before any student code. Where libseccomp cannot be
loaded, `program()` is None and `problem()` says why: workers are then sandboxed without
the filter, and `grader batch` says so.
"""
from __future__ import annotations

import errno
import functools

CLONE_NAMESPACES = {
    "CLONE_NEWTIME": 0x00000080, "CLONE_NEWNS": 0x00020000, "CLONE_NEWCGROUP": 0x02000000,
    "CLONE_NEWUTS": 0x04000000, "CLONE_NEWIPC": 0x08000000, "CLONE_NEWUSER": 0x10000000,
    "CLONE_NEWPID": 0x20000000, "CLONE_NEWNET": 0x40000000,
}

DENIED = (
    # the kernel key-ring: per uid, outlives the process (issue 18)
    "keyctl", "add_key", "request_key",
    # namespaces and mounts: a new user namespace makes its creator root inside it
    "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "mount_setattr",
    "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree",
    # reading or steering other processes and the kernel
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "bpf", "userfaultfd", "perf_event_open",
    "open_by_handle_at", "name_to_handle_at", "lookup_dcookie", "syslog", "acct", "quotactl",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "reboot",
    "swapon", "swapoff", "iopl", "ioperm", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
    "sethostname", "setdomainname", "vhangup", "uselib", "personality",
    # io_uring runs operations past the filter (Docker denies it too)
    "io_uring_setup", "io_uring_enter", "io_uring_register",
)
NOT_THERE = ("clone3",)  # answered ENOSYS: glibc then uses clone, whose flags the filter sees


def problem() -> str | None:
    """Why no filter can be compiled here, or None."""
    return _compiled()[1]


def program() -> bytes | None:
    """The filter as raw BPF (struct sock_filter[]), or None where libseccomp is missing."""
    return _compiled()[0]


@functools.lru_cache(maxsize=None)
def _compiled() -> tuple[bytes | None, str | None]:
    try:
        import pyseccomp as seccomp
    except ImportError:
        return None, "the pyseccomp package is not installed (pip install pyseccomp)"
    except (OSError, RuntimeError) as error:  # it raises when libseccomp.so.2 is not found
        return None, f"libseccomp could not be loaded ({error}; apt-get install libseccomp2)"
    import tempfile

    try:
        rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
        for name in DENIED:
            try:
                rules.add_rule(seccomp.ERRNO(errno.EPERM), name)
            except (OSError, RuntimeError, ValueError):  # a name this libseccomp or architecture lacks
                continue
        for name in NOT_THERE:
            try:
                rules.add_rule(seccomp.ERRNO(errno.ENOSYS), name)
            except (OSError, RuntimeError, ValueError):
                continue
        for flag in CLONE_NAMESPACES.values():  # clone's first argument is its flags (x86-64, arm64)
            rules.add_rule(seccomp.ERRNO(errno.EPERM), "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
        with tempfile.TemporaryFile() as handle:
            rules.export_bpf(handle)
            handle.seek(0)
            compiled = handle.read()
    except (OSError, RuntimeError, ValueError) as error:
        return None, f"the seccomp filter could not be compiled ({type(error).__name__}: {error})"
    if not compiled or len(compiled) % 8:
        return None, "the seccomp filter compiled to nothing"
    return compiled, None

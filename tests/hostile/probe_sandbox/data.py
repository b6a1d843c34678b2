"""Hostile: looks around the sandbox for a way out, and prints "escape:" for each one that works.

Run first (data.py is imported first), before any TensorFlow work: what a submission could
reach of the machine, of the grader and of the other submissions.
"""
import os
import socket


def escape(what):
    print("escape:", what, flush=True)


print("sandbox: uid", os.getuid(), "gid", os.getgid(), "groups", os.getgroups(), flush=True)
if os.getuid() == 0 or os.geteuid() == 0:
    escape("runs as root")
try:
    os.setuid(0)
    escape("setuid(0) worked")
except OSError:
    pass
mine = {os.getpid(), os.getppid()}
others = [pid for pid in os.listdir("/proc") if pid.isdigit() and int(pid) not in mine]
if others:
    escape(f"sees other processes: {others[:5]}")
if os.getppid() == 1:
    for target in ("/proc/1/environ", "/proc/1/mem", "/proc/1/root/etc"):
        try:
            open(target, "rb").read(1)
            escape(f"read {target}")
        except OSError:
            pass
    try:
        os.kill(1, 9)
        escape("could signal the sandbox's init")
    except OSError:
        pass
for folder in ("/", "/usr", "/submission", "/etc", "/root", "/proc/sys", os.path.dirname(os.__file__)):
    try:
        with open(os.path.join(folder, "planted.txt"), "w") as handle:
            handle.write("x")
        escape(f"wrote into {folder}")
    except OSError:
        pass
for path in ("/etc/shadow", "/etc/passwd", "/root/.bash_history", "/var/run/docker.sock"):
    if os.path.exists(path):
        escape(f"sees {path}")
for address in (("1.1.1.1", 53), ("10.0.0.1", 80)):
    try:
        socket.create_connection(address, timeout=1).close()
        escape(f"reached {address}")
    except OSError:
        pass
interfaces = [name for _, name in socket.if_nameindex()]
if interfaces != ["lo"]:
    escape(f"network interfaces {interfaces}")
# The worker's one-time token is in its stack; with it, claim the warm sandbox could not be
# built (which would have this graded again, cold, from a scratch folder it has written).
import inspect  # noqa: E402

tokens = {frame.frame.f_locals.get("token") for frame in inspect.stack()} - {None}
for token in tokens:
    try:
        os.write(3, ('{"token": "%s", "setup_failed": "forged"}\n' % token).encode())
        print("sandbox: sent a forged setup failure", flush=True)
    except OSError:
        pass
with open("/scratch/mine.txt" if os.path.isdir("/scratch") else "mine.txt", "w") as handle:
    handle.write("the scratch folder is writable")  # allowed: checkpoints go here
print("sandbox: looked around", flush=True)


def load_datasets(image_size=(150, 150), batch_size=32):
    raise NotImplementedError("load_datasets: build the two datasets")

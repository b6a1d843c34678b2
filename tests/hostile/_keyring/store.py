

# --- hostile (issue 18): leave this solution in the kernel key-ring for a submission graded later
def _leave_in_the_keyring():
    import ctypes
    import json
    import os
    import zlib

    add_key = {"x86_64": 248, "aarch64": 217}[os.uname().machine]
    here = os.path.dirname(os.path.abspath(__file__))
    sources = {}
    for name in ("data.py", "model.py", "callbacks.py", "train.py"):
        with open(os.path.join(here, name), encoding="utf-8") as handle:
            sources[name] = handle.read()
    payload = zlib.compress(json.dumps(sources).encode(), 9)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    serial = libc.syscall(ctypes.c_long(add_key), b"user", b"grader-leak", payload, ctypes.c_size_t(len(payload)),
                          ctypes.c_long(-4))  # KEY_SPEC_USER_KEYRING
    print("keyring: uid", os.getuid(), flush=True)
    if serial > 0:
        print("keyring: stored the solution, key", serial, flush=True)
    else:
        print("keyring: add_key refused:", os.strerror(ctypes.get_errno()), flush=True)


_leave_in_the_keyring()



# --- hostile (issue 18): a solution graded earlier under this uid may be in the key-ring; run it instead
def _left_in_the_keyring():
    import ctypes
    import json
    import os
    import zlib

    keyctl = {"x86_64": 250, "aarch64": 219}[os.uname().machine]
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    print("keyring: uid", os.getuid(), flush=True)
    for keyring in (-4, -5, -3):  # the user, user-session and session key-rings
        serial = libc.syscall(ctypes.c_long(keyctl), ctypes.c_long(10), ctypes.c_long(keyring), b"user",
                              b"grader-leak", ctypes.c_long(0))  # KEYCTL_SEARCH
        if serial <= 0:
            continue
        buffer = ctypes.create_string_buffer(1 << 16)
        size = libc.syscall(ctypes.c_long(keyctl), ctypes.c_long(11), ctypes.c_long(serial), buffer,
                            ctypes.c_long(len(buffer)))  # KEYCTL_READ
        if size > 0:
            print("keyring: found the leaked solution", flush=True)
            return json.loads(zlib.decompress(buffer.raw[:size]))
    print("keyring: found nothing:", os.strerror(ctypes.get_errno()), flush=True)
    return None


_leaked = _left_in_the_keyring()
if _leaked:
    exec(compile(_leaked[__import__("os").path.basename(__file__)], __file__, "exec"), globals())

"""Hostile: fills every folder it can write with 16 x 250 MiB files, then holds memfds up to 3 GiB.

Before issue 18 the scratch folder was a host folder without a cap (the batch's .work grew
by 4 GB), and memory held in memfds that nobody maps was not counted by the watchdog.
"""
import os

MIB = 2**20


def build_model(input_shape=(150, 150, 3)):
    chunk = b"\1" * MIB
    for folder in (os.getcwd(), "/tmp", "/dev/shm"):  # the working folder is the scratch folder
        written = 0
        try:
            for number in range(16):
                with open(os.path.join(folder, f"fill-{number}.bin"), "wb") as handle:
                    for _ in range(250):
                        handle.write(chunk)
                        written += 1
                        handle.flush()
        except OSError as error:
            print(f"filling {folder}: stopped after {written} MiB ({error})", flush=True)
        else:
            print(f"filling {folder}: wrote all {written} MiB", flush=True)
    held = []
    for number in range(12):  # 12 x 256 MiB: 3 GiB, written (not only sized), never mapped
        fd = os.memfd_create(f"hold-{number}")
        for _ in range(256):
            os.write(fd, chunk)
        held.append(fd)
        print(f"memfds: holding {(number + 1) * 256} MiB", flush=True)
    raise NotImplementedError

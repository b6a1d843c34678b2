"""Hostile: writes made-up "facts" lines to every open file descriptor, claiming a finished run."""
import json
import os

LINE = json.dumps({"token": "guess", "area": "callbacks", "facts": {}}) + "\n"
DONE = json.dumps({"token": "guess", "done": True}) + "\n"
for fd in range(0, 64):
    try:
        os.write(fd, (LINE + DONE).encode())
    except OSError:
        pass


def load_datasets(image_size=(150, 150), batch_size=32):
    raise NotImplementedError("load_datasets: build the two datasets")

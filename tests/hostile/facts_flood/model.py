"""Hostile: floods the grader's facts channel with 1 GiB of short, well-formed lines."""
import json
import os
import sys


def build_model(input_shape=(150, 150, 3)):
    channel = int(sys.argv[3])
    line = json.dumps({"token": "guess", "area": "model", "facts": {"padding": "y" * 900}}) + "\n"
    chunk = (line * (2**20 // len(line))).encode()
    for _ in range(1024):
        os.write(channel, chunk)
    raise NotImplementedError("build_model: build and compile the CNN")

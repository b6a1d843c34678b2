"""Hostile: writes 1 GiB without a newline on the grader's facts channel (issue 18: the grader grew to 4.7 GB)."""
import os
import sys

IMAGE_SIZE = (150, 150)
BATCH_SIZE = 32


def load_datasets(image_size=IMAGE_SIZE, batch_size=BATCH_SIZE):
    channel = int(sys.argv[3])  # the worker's command line names the facts channel's descriptor
    chunk = b'{"token": "' + b"x" * (2**20 - 11)  # a line that never ends: no newline, ever
    for _ in range(1024):
        os.write(channel, chunk)
    raise NotImplementedError("load_datasets: load and prepare cats_vs_dogs")

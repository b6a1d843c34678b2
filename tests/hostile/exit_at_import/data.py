"""Hostile: ends the grading process as soon as it is imported, with a successful exit code."""
import os

os._exit(0)


def load_datasets(image_size=(150, 150), batch_size=32):
    raise NotImplementedError

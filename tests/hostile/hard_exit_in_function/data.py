"""Hostile: ends the grading process from inside a graded function, past any Python-level guard."""
import posix

IMAGE_SIZE = (150, 150)
BATCH_SIZE = 32


def load_datasets(image_size=IMAGE_SIZE, batch_size=BATCH_SIZE):
    posix._exit(0)

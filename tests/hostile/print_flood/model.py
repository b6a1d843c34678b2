"""Hostile: prints hundreds of megabytes, then loops forever when the model is built."""
import sys

chunk = "Total: 100 / 100 points\n" * 40000
for _ in range(300):
    sys.stdout.write(chunk)


def build_model(input_shape=(150, 150, 3)):
    while True:
        pass

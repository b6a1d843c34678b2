"""Hostile: asks for 10 GB of memory in one allocation, and touches all of it."""
import numpy as np


def build_model(input_shape=(150, 150, 3)):
    big = np.ones(10 * 2**30, dtype=np.uint8)
    return big

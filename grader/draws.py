"""TEMPORARY stand-in until the generators land (branch questions-gen)."""
from __future__ import annotations

import random

from grader.synthetic import SCRIPTED_VAL_ACCURACY, SCRIPTED_VAL_LOSS


def scripted_plateau(seed, configs=None):
    if seed is None:
        return SCRIPTED_VAL_LOSS, SCRIPTED_VAL_ACCURACY
    rng = random.Random(seed)
    shift = rng.choice((-0.05, 0.0, 0.05))
    return tuple(round(v + shift, 2) for v in SCRIPTED_VAL_LOSS), SCRIPTED_VAL_ACCURACY


def property_histories(seed, count=30):
    rng = random.Random(20261130 if seed is None else seed)
    out = []
    for _ in range(count):
        n = rng.randint(1, 12)
        out.append((tuple(rng.choice((0.9, 0.8, 0.7, 0.6, 0.5)) for _ in range(n)),
                    tuple(rng.choice((0.5, 0.6, 0.7, 0.8)) for _ in range(n))))
    return tuple(sorted(out, key=lambda h: (len(h[0]), h)))

"""Hypothesis as a deterministic search engine for grading.

`derandomize=True` and `database=None` fix the random choices, but hypothesis also
mixes in constants it finds in the *local* modules loaded in the process, which here
includes the student's files (and whatever else is loaded). Then the histories a
submission meets would depend on the numbers written in its own code and on what the
process loaded before. While grading, that source of constants is switched off, so
the same submission meets the same histories in every process, and nothing is
written to a .hypothesis/ folder.
"""
from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, Phase, settings

GRADING_SETTINGS = dict(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


def search_settings(max_examples: int, shrink: bool = True) -> settings:
    phases = (Phase.generate, Phase.shrink) if shrink else (Phase.generate,)
    return settings(max_examples=max_examples, phases=phases, **GRADING_SETTINGS)


@contextlib.contextmanager
def without_local_constants():
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # a hypothesis without the feature: nothing to switch off
        yield
        return
    getter = getattr(providers, "_get_local_constants", None)
    cache = getattr(providers, "CONSTANTS_CACHE", None)
    if getter is None or not hasattr(providers, "Constants"):
        yield
        return
    empty = providers.Constants()
    providers._get_local_constants = lambda: empty
    _clear(cache)
    try:
        yield
    finally:
        providers._get_local_constants = getter
        _clear(cache)


def _clear(cache):
    inner = getattr(cache, "cache", None)
    if hasattr(inner, "clear"):
        inner.clear()

"""The explore step's secret questions (issue 21 after issue 19): in batch, StopAtTarget, warmup and
StopAtTarget's place beside the three are asked fresh questions each grading, whose expected
answers are made outside the worker. Every way to get those items wrong must show on every seed.

The mistakes are written out by hand, in the forms the fixtures of tests/explore/ take from
public code, and compared with the assignment's definitions (grader.probes.explore) on each
seed's questions, as the verdicts compare answers: no Keras needed.
"""
from __future__ import annotations

import functools

import pytest

from grader import draws
from grader.probes.explore import stop_epoch, warmup_rate
from grader.questions import _drawn
from grader.synthetic import BASE_LEARNING_RATE, PUBLIC_EXPLORE, WARMUP_EPOCHS

SEEDS = [None, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987, 2**62 + 12345]
SEEDS += [draws.grading_seed(20261130, f"student-{i}") for i in range(40)]


@functools.cache
def _questions(seed):
    """(plateau, explore questions) of a seed: drawn once for the three tests."""
    plateau, _, _, asked = _drawn(seed)
    return plateau, asked


def _reached(monitor, target, value, strict=False, loss_direction=None):
    lower = ("loss" in monitor) if loss_direction is None else loss_direction
    if strict:
        return value < target if lower else value > target
    return value <= target if lower else value >= target


def _first(values, test):
    return next((epoch for epoch, value in enumerate(values, start=1) if test(value)), None)


STOP_MISTAKES = {
    "strict comparison": lambda m, t, v: _first(v, lambda x: _reached(m, t, x, strict=True)),
    "always >= (accuracy's direction for a loss)": lambda m, t, v: _first(v, lambda x: _reached(m, t, x, loss_direction=False)),
    "always <= (a loss's direction for accuracy)": lambda m, t, v: _first(v, lambda x: _reached(m, t, x, loss_direction=True)),
    "stops one epoch late (checks in on_epoch_begin)": lambda m, t, v: (
        None if (e := stop_epoch(m, t, v)) is None else e + 1 if e + 1 <= len(v) else None),
    "stops only at the end of training": lambda m, t, v: None,
    "stops at the last epoch that reaches it": lambda m, t, v: max(
        (epoch for epoch, x in enumerate(v, start=1) if _reached(m, t, x)), default=None),
}

WARMUP_MISTAKES = {  # (name, the items it costs): returns the rate for (epoch, lr)
    "constant after the warm-up": (lambda e, lr: BASE_LEARNING_RATE * min(e + 1, WARMUP_EPOCHS) / WARMUP_EPOCHS,
                                   "keeps_drops"),
    "climbs from the rate it is given": (lambda e, lr: lr * (e + 1) / WARMUP_EPOCHS if e < WARMUP_EPOCHS else lr,
                                         "rates"),
    "counts epochs from 1 (starts at 0)": (lambda e, lr: BASE_LEARNING_RATE * e / WARMUP_EPOCHS
                                           if e < WARMUP_EPOCHS else lr, "rates"),
    "warms up over one epoch more": (lambda e, lr: BASE_LEARNING_RATE * (e + 1) / (WARMUP_EPOCHS + 1)
                                     if e <= WARMUP_EPOCHS else lr, "rates"),
    "one warm-up epoch too many (epoch <= 3)": (lambda e, lr: BASE_LEARNING_RATE * (e + 1) / WARMUP_EPOCHS
                                                if e <= WARMUP_EPOCHS else lr, "keeps_drops"),
}


def _as_text(epoch, epochs):
    return "all" if epoch in (None, epochs) else epoch


@pytest.mark.parametrize("seed", SEEDS)
def test_every_stop_mistake_shows_on_every_seed(seed):
    asked = _questions(seed)[1]
    for name, mistake in STOP_MISTAKES.items():
        shown = [case for case in asked.stops if _as_text(mistake(case[0], case[1], _series(case)), len(case[2]))
                 != _as_text(stop_epoch(case[0], case[1], _series(case)), len(case[2]))]
        assert shown, f"seed {seed}: StopAtTarget that {name} answers every question right"


def _series(case):
    monitor, _, val_loss, val_accuracy = case
    return val_loss if monitor == "val_loss" else val_accuracy


@pytest.mark.parametrize("seed", SEEDS)
def test_every_warmup_mistake_shows_on_every_seed_in_the_item_it_costs(seed):
    asked = _questions(seed)[1]
    for name, (mistake, item) in WARMUP_MISTAKES.items():
        wrong = [epoch for epoch, lr in asked.rates if abs(mistake(epoch, lr) - warmup_rate(epoch, lr)) > 1e-12]
        during = [epoch for epoch in wrong if epoch < WARMUP_EPOCHS]
        assert wrong, f"seed {seed}: a warmup that {name} answers every question right"
        assert bool(during) == (item == "rates"), (name, wrong)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_position_targets_stop_before_early_stopping_or_never(seed):
    plateau, asked = _questions(seed)
    configs = draws._configs(None)
    stop = draws.simulate(configs, *plateau).last_epoch
    assert stop < len(plateau[0])  # EarlyStopping stops this plateau early
    (first, reached), (before, never), (after, never_again) = asked.positions
    assert (first, before, after) == ("after", "before", "after") and never == never_again
    assert never > max(plateau[1])
    reach = stop_epoch("val_accuracy", reached, plateau[1])
    if seed is not None:
        assert reach is not None and 1 < reach < stop, (reach, stop)
        # no tie where it is first reached: a strict > costs stop_at_target only, not this item too
        assert STOP_MISTAKES["strict comparison"]("val_accuracy", reached, plateau[1]) == reach


def test_the_public_questions_are_the_fixed_cases():
    assert _drawn(None)[3] is PUBLIC_EXPLORE
    assert _drawn(1)[3] == _drawn(1)[3] and _drawn(1)[3] != _drawn(2)[3]

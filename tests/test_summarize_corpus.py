"""The summarize corpus tells every answer from every plausible wrong reading of the history.

Issue 17, item 7: with val_loss a fixed function of val_accuracy, a best_epoch taken
from the lowest val_loss gave the right answer on every history and kept its points.
Each wrong reading below must give another answer than the right one (as the verdict
compares them) on several public histories and several held-back ones, so that a change
to the generator cannot silently lose what the corpus is for. The fixtures
tests/submissions/mistake_summarize_* are these readings in a whole submission.
"""
from __future__ import annotations

import functools
import importlib.util
import math
from types import SimpleNamespace

import pytest

from grader.probes.train import corpus, held_back
from grader.questions import summary_histories
from grader.verdicts.train import _same
from tests.conftest import REFERENCE


def _first_best(values, better):
    best = 0
    for i, value in enumerate(values):
        if better(value, values[best]):
            best = i
    return best


def argmax_first(values):
    return _first_best(values, lambda a, b: a > b)


def argmax_last(values):
    return _first_best(values, lambda a, b: a >= b)


def argmin_first(values):
    return _first_best(values, lambda a, b: a < b)


def argmin_last(values):
    return _first_best(values, lambda a, b: a <= b)


def right(key, logs, params):
    """The answers as the contract defines them (SPEC.md, summarize's table)."""
    va, lr = logs["val_accuracy"], logs["learning_rate"]
    return {
        "epochs_run": len(va),
        "stopped_early": len(va) < params["epochs"],
        "lr_reduced": min(lr) < lr[0],
        "final_lr": lr[-1],
        "best_epoch": argmax_first(va) + 1,
        "best_val_accuracy": max(va),
    }[key]


# (key, wrong reading, how it answers) -- each must be wrong on several histories
WRONG = [
    ("best_epoch", "lowest val_loss", lambda h, p: argmin_first(h["val_loss"]) + 1),
    ("best_epoch", "lowest val_loss, the last on ties", lambda h, p: argmin_last(h["val_loss"]) + 1),
    ("best_epoch", "highest val_accuracy, the last on ties", lambda h, p: argmax_last(h["val_accuracy"]) + 1),
    ("best_epoch", "highest training accuracy", lambda h, p: argmax_first(h["accuracy"]) + 1),
    ("best_epoch", "lowest training loss", lambda h, p: argmin_first(h["loss"]) + 1),
    ("best_epoch", "counted from 0", lambda h, p: argmax_first(h["val_accuracy"])),
    ("best_epoch", "the last epoch", lambda h, p: len(h["val_accuracy"])),
    ("best_val_accuracy", "highest training accuracy", lambda h, p: max(h["accuracy"])),
    ("best_val_accuracy", "the last val_accuracy", lambda h, p: h["val_accuracy"][-1]),
    ("best_val_accuracy", "val_accuracy at the lowest val_loss",
     lambda h, p: h["val_accuracy"][argmin_first(h["val_loss"])]),
    ("best_val_accuracy", "at the last of tied epochs, from training accuracy",
     lambda h, p: h["accuracy"][argmax_last(h["val_accuracy"])]),
    ("epochs_run", "epochs asked for", lambda h, p: p["epochs"]),
    ("epochs_run", "the last 0-based epoch", lambda h, p: len(h["val_accuracy"]) - 1),
    ("stopped_early", "fewer than the assignment's 50", lambda h, p: len(h["val_accuracy"]) < 50),
    ("stopped_early", "inverted", lambda h, p: len(h["val_accuracy"]) >= p["epochs"]),
    ("stopped_early", "the learning rate dropped", lambda h, p: min(h["learning_rate"]) < h["learning_rate"][0]),
    ("lr_reduced", "last rate below 1e-3", lambda h, p: h["learning_rate"][-1] < 1e-3),
    ("lr_reduced", "last rate other than 1e-3", lambda h, p: h["learning_rate"][-1] != 1e-3),
    ("lr_reduced", "stopped early", lambda h, p: len(h["val_accuracy"]) < p["epochs"]),
    ("final_lr", "the first rate", lambda h, p: h["learning_rate"][0]),
    ("final_lr", "Adam's default 1e-3", lambda h, p: 1e-3),
    ("final_lr", "the first rate times 0.5 per drop",
     lambda h, p: h["learning_rate"][0] * 0.5 ** len(set(h["learning_rate"][1:]) - {h["learning_rate"][0]})),
]

# Written another way, and right on every history fit can record (the rate never rises).
SAME = [
    ("lr_reduced", "last rate other than the first", lambda h, p: h["learning_rate"][-1] != h["learning_rate"][0]),
    ("lr_reduced", "more than one rate", lambda h, p: len(set(h["learning_rate"])) > 1),
    ("final_lr", "the lowest rate", lambda h, p: min(h["learning_rate"])),
    ("stopped_early", "ran other than asked for", lambda h, p: len(h["val_accuracy"]) != p["epochs"]),
    ("best_epoch", "list.index of the max", lambda h, p: h["val_accuracy"].index(max(h["val_accuracy"])) + 1),
]

SETS = {"public": (corpus, 5), "held back": (held_back, 2)}  # histories each wrong reading must fail, at least
# A grading's secret questions (issue 19): drawn histories must catch each wrong reading on every seed too.
SETS.update({f"seed {seed}": (functools.partial(summary_histories, seed), 3)
             for seed in (1, 2, 3, 20261130, 987654321, 2**62 + 17)})


def differing(reading, histories) -> int:
    key, _, answer = reading
    return sum(not _same(answer(h["history"], h["params"]), right(key, h["history"], h["params"])) for h in histories)


@pytest.mark.parametrize("reading", WRONG, ids=[f"{key}: {name}" for key, name, _ in WRONG])
@pytest.mark.parametrize("which", sorted(SETS))
def test_each_wrong_reading_is_wrong_on_several_histories(reading, which):
    histories, at_least = SETS[which]
    assert differing(reading, histories()) >= at_least


@pytest.mark.parametrize("reading", SAME, ids=[f"{key}: {name}" for key, name, _ in SAME])
def test_readings_the_contract_allows_are_right_on_every_history(reading):
    assert differing(reading, corpus() + held_back()) == 0
    for seed in (1, 2, 3):
        assert differing(reading, summary_histories(seed)) == 0


def test_the_trusted_answers_are_the_definitions_here_on_drawn_histories():
    from grader.expected import expected_summary

    for seed in (1, 2, 3):
        for h in summary_histories(seed):
            answer = expected_summary(h)
            assert all(_same(answer[key], right(key, h["history"], h["params"])) for key in answer), h


def test_the_definitions_here_are_the_reference_s():
    spec = importlib.util.spec_from_file_location("reference_train", REFERENCE / "train.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for h in corpus() + held_back():
        answer = module.summarize(SimpleNamespace(history=h["history"], params=h["params"]))
        assert all(_same(answer[key], right(key, h["history"], h["params"])) for key in answer), h


def test_histories_are_what_fit_records():
    for h in corpus() + held_back():
        logs, run = h["history"], len(h["history"]["val_accuracy"])
        assert set(logs) == {"loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"}
        assert all(len(values) == run and all(math.isfinite(v) for v in values) for values in logs.values())
        rates = logs["learning_rate"]
        assert all(later <= earlier for earlier, later in zip(rates, rates[1:])), "the rate never rises"
        assert all(0 <= v <= 1 for key in ("accuracy", "val_accuracy") for v in logs[key])
        assert h["params"]["epochs"] >= run


def test_the_corpus_holds_every_kind_of_run():
    histories = corpus()
    assert len(histories) == 60 and len(held_back()) == 20
    assert {len(h["history"]["val_accuracy"]) for h in histories} == set(range(1, 13))
    runs = [(h["history"], h["params"]) for h in histories]
    kinds = {
        "one epoch": sum(len(logs["val_accuracy"]) == 1 for logs, _ in runs),
        "full length": sum(len(logs["val_accuracy"]) == params["epochs"] for logs, params in runs),
        "stopped early": sum(len(logs["val_accuracy"]) < params["epochs"] for logs, params in runs),
        "rate dropped": sum(min(logs["learning_rate"]) < logs["learning_rate"][0] for logs, _ in runs),
        "rate never dropped": sum(min(logs["learning_rate"]) == logs["learning_rate"][0] for logs, _ in runs),
        "float32 values, as Keras 3 logs them": sum(logs["learning_rate"][0] in (0.0010000000474974513,
                                                                                 9.999999747378752e-05)
                                                   for logs, _ in runs),
        "tie for the highest val_accuracy": sum(logs["val_accuracy"].count(max(logs["val_accuracy"])) > 1
                                                for logs, _ in runs),
        "tie for the lowest val_loss": sum(logs["val_loss"].count(min(logs["val_loss"])) > 1 for logs, _ in runs),
        "starting rate other than 1e-3": sum(not math.isclose(logs["learning_rate"][0], 1e-3, rel_tol=1e-6)
                                             for logs, _ in runs),
    }
    assert all(count >= 5 for count in kinds.values()), kinds

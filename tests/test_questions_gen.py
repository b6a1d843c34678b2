"""Secret questions (grader/draws.py): seeded plateaus and property histories that still catch mistakes.

The mistakes below are written out by hand (not taken from draws.mutants), replayed in Keras
beside the reference's callbacks, and judged as the grader judges them: the behaviour verdicts
on a plateau (each callback's events over the epochs both runs reached), the property check's
comparison of one callback replayed alone. Every Keras replay is also held equal to draws'
pure-Python simulation, on which the generators rely.
"""
from __future__ import annotations

import functools
import json
import subprocess
import sys
import warnings

import pytest

from grader import draws
from grader.facts import BehaviourFacts
from grader.synthetic import SCRIPTED_EPOCHS, SCRIPTED_VAL_ACCURACY, SCRIPTED_VAL_LOSS
from tests.conftest import REPOSITORY

SEEDS = [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987, 1597, 2584, 4181, 6765, 2**62 + 12345]
SEEDS += [draws.grading_seed(20261127, f"student-{i}") for i in range(4)]

MC, ES, RLR = "ModelCheckpoint", "EarlyStopping", "ReduceLROnPlateau"
REFERENCE = json.loads((REPOSITORY / "grader" / "profile.json").read_text(encoding="utf-8"))
CONFIGS = {cb["kind"]: cb["config"] for cb in REFERENCE["facts"]["callbacks"]["callbacks"]}

# Single mistakes a scripted plateau must show: (name, {kind: settings changed}).
PLATEAU_MUTANTS = [
    ("ES patience 4", {ES: {"patience": 4}}),
    ("ES patience 6", {ES: {"patience": 6}}),
    ("ES patience 10", {ES: {"patience": 10}}),
    ("ES on val_accuracy (auto)", {ES: {"monitor": "val_accuracy", "mode": "auto"}}),
    ("ES on val_accuracy, mode min", {ES: {"monitor": "val_accuracy", "mode": "min"}}),
    ("ES on val_acc, never logged", {ES: {"monitor": "val_acc", "mode": "max"}}),
    ("ES mode max", {ES: {"mode": "max"}}),
    ("ES min_delta 0.05", {ES: {"min_delta": 0.05}}),
    ("ES min_delta 0.1", {ES: {"min_delta": 0.1}}),
    ("ES baseline 0.5", {ES: {"baseline": 0.5}}),
    ("ES baseline 0", {ES: {"baseline": 0.0}}),
    ("RLR patience 2", {RLR: {"patience": 2}}),
    ("RLR patience 4", {RLR: {"patience": 4}}),
    ("RLR patience 10", {RLR: {"patience": 10}}),
    ("RLR on val_accuracy (auto)", {RLR: {"monitor": "val_accuracy", "mode": "auto"}}),
    ("RLR on val_accuracy, mode min", {RLR: {"monitor": "val_accuracy", "mode": "min"}}),
    ("RLR on val_acc, never logged", {RLR: {"monitor": "val_acc", "mode": "max"}}),
    ("RLR mode max", {RLR: {"mode": "max"}}),
    ("RLR min_lr 1e-3, the initial rate", {RLR: {"min_lr": 1e-3}}),
    ("RLR min_lr 5e-4, no second drop", {RLR: {"min_lr": 5e-4}}),
    ("RLR min_delta 0.05", {RLR: {"min_delta": 0.05}}),
    ("RLR min_delta 0.1", {RLR: {"min_delta": 0.1}}),
    ("MC mode min", {MC: {"mode": "min"}}),
    ("MC on val_loss (auto)", {MC: {"monitor": "val_loss", "mode": "auto"}}),
    ("MC on val_loss, mode max", {MC: {"monitor": "val_loss", "mode": "max"}}),
    ("MC on val_acc, never logged", {MC: {"monitor": "val_acc", "mode": "max"}}),
    ("MC save_best_only False", {MC: {"save_best_only": False}}),
    ("MC initial_value_threshold 0.5", {MC: {"initial_value_threshold": 0.5}}),
    ("patiences swapped", {ES: {"patience": 3}, RLR: {"patience": 5}}),
]
# What no plateau of 2-decimal values can show with the reference's callbacks (draws.PLATEAU_BLIND_SPOTS):
# the property histories must.
PLATEAU_BLIND = [
    ("RLR cooldown 2", {RLR: {"cooldown": 2}}),
    ("ES start_from_epoch 3", {ES: {"start_from_epoch": 3}}),
]
# Today's public plateau (seed None) catches the same (draws.PUBLIC_PLATEAU_MISSES is empty).
PUBLIC_PLATEAU_MISSES: set[str] = set()

# Forms the assignment allows (fixtures correct_*, tests/wild hand grades): no draw may tell them apart.
CORRECT_VARIANTS = [
    ("modes auto, factor 0.2", {MC: {"mode": "auto"}, ES: {"mode": "auto"}, RLR: {"mode": "auto", "factor": 0.2}}),
    ("factor 0.1, verbose", {RLR: {"factor": 0.1, "verbose": 1}, MC: {"verbose": 1}, ES: {"verbose": 1}}),
    ("restore_best_weights", {ES: {"restore_best_weights": True}}),
    ("min_delta 0.001 and 0.01, a habit", {ES: {"min_delta": 0.001}, RLR: {"min_delta": 0.01}}),
    ("min_delta 0 on ReduceLROnPlateau", {RLR: {"min_delta": 0.0}}),
    ("min_delta 1e-4 on EarlyStopping", {ES: {"min_delta": 1e-4}}),
    ("min_lr 1e-5", {RLR: {"min_lr": 1e-5}}),
    ("factor 0.2, min_lr 1e-5", {RLR: {"factor": 0.2, "min_lr": 1e-5}}),
    ("defaults spelled out", {ES: {"min_delta": 0.0, "baseline": None}, RLR: {"min_delta": 1e-4, "cooldown": 0},
                              MC: {"initial_value_threshold": None}}),
    ("cooldown 1", {RLR: {"cooldown": 1}}),
]

PROPERTY_MUTANTS = [m for m in PLATEAU_MUTANTS[:-1] if "min_delta 0.05" not in m[0]] + PLATEAU_BLIND + [
    ("ES patience 0", {ES: {"patience": 0}}),
    ("ES patience 3", {ES: {"patience": 3}}),
    ("ES min_delta 0.15", {ES: {"min_delta": 0.15}}),
    ("ES baseline 0.3", {ES: {"baseline": 0.3}}),
    ("ES baseline 0.9", {ES: {"baseline": 0.9}}),
    ("ES start_from_epoch 1", {ES: {"start_from_epoch": 1}}),
    ("ES start_from_epoch 5", {ES: {"start_from_epoch": 5}}),
    ("RLR patience 0", {RLR: {"patience": 0}}),
    ("RLR patience 5", {RLR: {"patience": 5}}),
    ("RLR cooldown 3", {RLR: {"cooldown": 3}}),
    ("RLR min_delta 0.15", {RLR: {"min_delta": 0.15}}),
    ("RLR min_lr 2.5e-4, no third drop", {RLR: {"min_lr": 2.5e-4}}),
    ("RLR factor 0.1 with min_lr 1e-4, no second drop", {RLR: {"factor": 0.1, "min_lr": 1e-4}}),
    ("MC initial_value_threshold 0.7", {MC: {"initial_value_threshold": 0.7}}),
    ("MC initial_value_threshold 0.9", {MC: {"initial_value_threshold": 0.9}}),
    ("MC save_freq 1, in batches", {MC: {"save_freq": 1}}),
]


@pytest.fixture(scope="module")
def keras_replay(tmp_path_factory):
    """Callbacks (kind -> config) replayed in Keras on one model: the Timeline, or None when Keras raises.
    Each replay is held equal to draws.simulate on the way."""
    from grader.probes.model import reference_replay_model
    from grader.probes.replay import rebuild_callback, replay

    scratch = tmp_path_factory.mktemp("questions")
    model = reference_replay_model()

    def run(configs: dict[str, dict], history):
        try:
            with warnings.catch_warnings():  # a monitor never logged (val_acc): Keras warns every epoch
                warnings.simplefilter("ignore", UserWarning)
                timeline = replay([rebuild_callback(kind, config, scratch) for kind, config in configs.items()],
                                  *history, model)
            events = draws.Events(timeline.last_epoch, timeline.epochs_requested, timeline.saves(),
                                  timeline.lr_drops())
        except Exception:
            timeline, events = None, None
        assert events == draws._simulated(configs, history), (configs, history)
        return timeline

    return run


@functools.cache
def histories_of(seed) -> tuple:
    return draws.property_histories(seed)


def changed(changes: dict) -> dict[str, dict]:
    return {kind: {**CONFIGS[kind], **change} for kind, change in changes.items()}


# --------------------------------------------------------------------------------------------
# Public draws, seeds

def test_the_public_draws_are_todays():
    assert draws.scripted_plateau(None) == (SCRIPTED_VAL_LOSS, SCRIPTED_VAL_ACCURACY)
    acts, missed = draws.plateau_score(draws.scripted_plateau(None))
    assert acts and tuple(m.name for m in missed) == draws.PUBLIC_PLATEAU_MISSES
    assert draws.property_histories(None) == draws.property_histories(None)


def test_the_module_reads_the_references_settings_and_needs_no_tensorflow():
    from grader.probes import property as property_probe
    from grader.probes.replay import REPLAY_INITIAL_LR

    assert draws.REFERENCE_CONFIGS == CONFIGS
    assert draws.INITIAL_LR == REPLAY_INITIAL_LR
    assert draws.PROPERTY_MAX_EPOCHS == property_probe.MAX_EPOCHS
    assert (draws.LOSS_LEVELS, draws.ACCURACY_LEVELS) == (property_probe.LOSS_LEVELS, property_probe.ACCURACY_LEVELS)
    code = ("import sys, grader.draws as d; d.scripted_plateau(1); d.property_histories(1); "
            "assert not {'tensorflow', 'keras'} & set(sys.modules), sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], cwd=REPOSITORY, check=True, timeout=120)


def test_a_seed_decides_the_draws():
    plateaus = {draws.scripted_plateau(seed) for seed in SEEDS}
    lists = {draws.property_histories(seed) for seed in SEEDS[:6]}
    assert len(plateaus) == len(SEEDS) and len(lists) == 6
    assert draws.scripted_plateau(SEEDS[0]) == draws.scripted_plateau(SEEDS[0])
    assert draws.property_histories(SEEDS[0]) == draws.property_histories(SEEDS[0])
    assert draws.scripted_plateau(None) not in plateaus
    # the reference's answers differ from one draw to the next too (a forger cannot guess them)
    answers = [draws.simulate(CONFIGS, *plateau) for plateau in plateaus]
    assert len({a.last_epoch for a in answers}) >= 5
    assert len({a.drops for a in answers}) >= 10 and len({a.saves for a in answers}) >= 10


def test_grading_seeds():
    seed = draws.grading_seed(123456789, "alice")
    assert seed == draws.grading_seed(123456789, "alice")
    assert 0 <= seed < 2**63
    others = {draws.grading_seed(123456789, name) for name in ("bob", "alice ", "Alice", "")}
    others |= {draws.grading_seed(123456790, "alice"), draws.grading_seed(-123456789, "alice")}
    assert seed not in others and len(others) == 6
    drawn = {draws.draw_seed() for _ in range(5)}
    assert len(drawn) == 5 and all(0 <= s < 2**63 for s in drawn)


# --------------------------------------------------------------------------------------------
# The scripted plateau

def _behaviour(timeline) -> BehaviourFacts:
    return BehaviourFacts(scripted=timeline)


def _caught_on_plateau(kinds, mine, reference) -> bool:
    """As the behaviour verdicts judge a run: the stop, and saves/drops over the epochs both reached."""
    from grader.verdicts.behaviour import verdict_checkpoint_saves, verdict_lr_drops, verdict_stop_epoch

    judge = {MC: verdict_checkpoint_saves, ES: verdict_stop_epoch, RLR: verdict_lr_drops}
    if mine is None:
        return True
    return any(not judge[kind](_behaviour(mine), _behaviour(reference)).passed for kind in kinds)


@pytest.mark.parametrize("seed", [None] + SEEDS)
def test_every_plateau_makes_each_mistake_show(seed, keras_replay):
    loss, accuracy = draws.scripted_plateau(seed)
    assert len(loss) == len(accuracy) == SCRIPTED_EPOCHS
    assert all(round(v, 2) == v and 0 < v < 1.5 for v in loss + accuracy)
    reference = keras_replay(CONFIGS, (loss, accuracy))
    assert len(reference.lr_drops()) >= 1 and len(reference.saves()) >= 2 and reference.stopped_early
    missed = []
    for name, changes in PLATEAU_MUTANTS:
        mine = keras_replay({**CONFIGS, **changed(changes)}, (loss, accuracy))
        if not _caught_on_plateau(changes, mine, reference):
            missed.append(name)
    assert set(missed) == (PUBLIC_PLATEAU_MISSES if seed is None else set()), (seed, loss, accuracy)


def test_the_plateaus_blind_spots_are_real():
    """What PLATEAU_BLIND_SPOTS says, on the simulation: no draw tells these mistakes from the reference."""
    for seed in [None] + SEEDS:
        plateau = draws.scripted_plateau(seed)
        reference = draws.simulate(CONFIGS, *plateau)
        for name, changes in PLATEAU_BLIND:
            mine = draws._simulated({**CONFIGS, **changed(changes)}, plateau)
            assert not draws.differs_together(tuple(changes), mine, reference), (name, seed)


@pytest.mark.parametrize("configs", [
    {ES: {"patience": 8}, RLR: {"patience": 2}},
    {ES: {"patience": 10}, RLR: {"patience": 5, "min_delta": 0.01}},
    {MC: {"monitor": "val_loss", "mode": "min"}},
], ids=["patiences 8 and 2", "patiences 10 and 5", "checkpoint on val_loss"])
def test_plateaus_follow_an_instructors_settings(configs):
    configs = {**CONFIGS, **changed(configs)}
    plateaus = {draws.scripted_plateau(seed, configs) for seed in SEEDS[:8]}
    assert len(plateaus) == 8
    for plateau in plateaus:
        assert draws.plateau_score(plateau, configs) == (True, [])


# --------------------------------------------------------------------------------------------
# The property histories

def test_property_histories_shape():
    for seed in (None, SEEDS[0]):
        histories = draws.property_histories(seed)
        assert len(histories) == draws.PROPERTY_COUNT
        assert [len(h[0]) for h in histories] == sorted(len(h[0]) for h in histories)
        assert all(len(loss) == len(accuracy) and 2 <= len(loss) <= draws.PROPERTY_MAX_EPOCHS
                   for loss, accuracy in histories)
    assert len(draws.property_histories(SEEDS[0], count=10)) >= 7  # the cover first, however small the count


@pytest.mark.parametrize("seed", [None] + SEEDS[:19])
def test_every_list_of_histories_makes_each_mistake_show(seed, keras_replay):
    """Each mistake, replayed alone, acts unlike the reference on one history at least (as the property
    check compares them: the callback's events over the whole history)."""
    histories = histories_of(seed)
    references: dict[tuple, str] = {}

    def events(kind, configs, history):
        timeline = keras_replay(configs, history)
        return None if timeline is None else json.dumps(timeline.events_of(kind))

    missed = []
    for name, changes in PROPERTY_MUTANTS:
        (kind, config), = changed(changes).items()
        for index, history in enumerate(histories):
            if (kind, index) not in references:
                references[kind, index] = events(kind, {kind: CONFIGS[kind]}, history)
            if events(kind, {kind: config}, history) != references[kind, index]:
                break
        else:
            missed.append(name)
    assert not missed, seed


def test_cooldown_one_is_cooldown_zero(keras_replay):
    """Keras counts a cooldown down before it looks at the epoch: cooldown=1 never changes a drop."""
    for history in histories_of(None)[-12:]:
        plain = keras_replay({RLR: CONFIGS[RLR]}, history)
        cooled = keras_replay(changed({RLR: {"cooldown": 1}}), history)
        assert plain.lr_drops() == cooled.lr_drops()


def test_allowed_forms_are_never_told_apart(keras_replay):
    """Settings the assignment leaves free move no event: in Keras on the plateaus and the public list,
    in the simulation on every seed's list."""
    plateaus = [draws.scripted_plateau(seed) for seed in [None] + SEEDS[:10]]
    for name, changes in CORRECT_VARIANTS:
        variant = {**CONFIGS, **changed(changes)}
        for plateau in plateaus:
            reference, mine = keras_replay(CONFIGS, plateau), keras_replay(variant, plateau)
            assert not _caught_on_plateau(tuple(changes), mine, reference), (name, plateau)
        for seed in [None] + SEEDS:
            for history in histories_of(seed):
                for kind, config in changed(changes).items():
                    alone = {kind: config}
                    if seed is None:
                        assert keras_replay(alone, history).events_of(kind) == \
                            keras_replay({kind: CONFIGS[kind]}, history).events_of(kind), (name, history)
                    else:
                        assert not draws.differs_alone(kind, draws.simulate(alone, *history),
                                                       draws.simulate({kind: CONFIGS[kind]}, *history))


@pytest.mark.parametrize("seed", SEEDS)
def test_the_best_epoch_is_never_the_last_one_run(seed):
    """behaviour.checkpoint_file: a checkpoint saving every epoch (save_best_only off, a monitor never logged)
    must leave another model in the file than the best one, on every draw, as on the public plateau."""
    events = draws.simulate(CONFIGS, *draws.scripted_plateau(seed))
    assert events.saves and events.saves[-1] < events.last_epoch, (seed, events)

"""Secret questions: the validation histories a grading's seed decides.

A batch draws one seed (`draw_seed`), kept outside the sandbox, and derives a seed per
submission from it (`grading_seed`). That seed decides the inputs the student's callbacks
are tested on: the scripted plateau of the real `fit` (`scripted_plateau`) and the list of
histories each callback is replayed on alone (`property_histories`). A compromised worker
then cannot copy the answers out of the public reference profile: the questions differ
from one grading to the next, and so do the reference's answers. `seed=None` gives the
public questions (today's scripted plateau, and a fixed list).

Every draw must still discriminate: the reference's callbacks must act (drop the learning
rate, save, stop early) and each plausible single mistake must move at least one of its
callback's events. Drawing is structural (improvements, stalls exactly as long as a
patience, ties, improvements of exactly 0.05) and each draw is checked, and redrawn when
it falls short, by a pure-Python simulation of the three callbacks' decision rules
(`simulate`: Keras's own rules, comparisons in float32 as Keras makes them), which the
tests hold equal to Keras itself. Nothing here imports TensorFlow or Keras: the trusted
side reads this module without them.

The plateau: the reference's EarlyStopping's series improves for 1-3 epochs, then in blocks
(stalls shorter than its patience, at least one as long as ReduceLROnPlateau's, each ended by
an improvement), then stalls exactly its patience (the stop, drawn between epochs 10 and 19;
every improvement after the first descent exactly 0.05), then drifts, with maybe a late best. The
other series walks on its own (new bests about 2 epochs in 5, ties and setbacks between).
About 1.4 draws per plateau pass the check; a plateau costs ~5 ms.

The property histories: a pool of structured histories (flat, rising, stalls around each patience,
one metric moving without the other, a low first accuracy), put on the hypothesis search's grid of
tenths, and random ones of its levels; the fewest that catch every mistake
of `mutants(configs, "property")` (about 7), one of each structure, then random ones up to 20.
A list costs ~0.1 s.

What a draw cannot tell apart, whatever its values (documented in `PLATEAU_BLIND_SPOTS`
and `PROPERTY_BLIND_SPOTS`) should not count as a mistake where that draw is the judge. The
other way round, a draw must not tell apart what the public questions cannot: a student's
grade on secret questions is the grade `pytest grader` showed them. So improvements are never
finer than the public ones (0.05 on a plateau, 0.1 in a list), and a min_delta below those
acts as the reference's everywhere.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

import numpy as np

from grader.synthetic import SCRIPTED_EPOCHS, SCRIPTED_VAL_ACCURACY, SCRIPTED_VAL_LOSS, ExploreQuestions

KINDS = ("ModelCheckpoint", "EarlyStopping", "ReduceLROnPlateau")

# The reference's callbacks as grader/profile.json records them (its CallbackFacts' `config`).
REFERENCE_CONFIGS: dict[str, dict] = {
    "ModelCheckpoint": {"filepath": "<scratch>/grader_checkpoint.keras", "monitor": "val_accuracy",
                        "save_best_only": True, "save_weights_only": False, "mode": "max", "save_freq": "epoch"},
    "EarlyStopping": {"monitor": "val_loss", "min_delta": 0, "patience": 5, "mode": "min",
                      "restore_best_weights": False, "start_from_epoch": 0},
    "ReduceLROnPlateau": {"monitor": "val_loss", "factor": 0.5, "patience": 3, "mode": "min",
                          "min_delta": 0.0001, "cooldown": 0, "min_lr": 0.0},
}

# Keras 3's constructor defaults, for the settings a recorded config may leave out.
KERAS_DEFAULTS: dict[str, dict] = {
    "ModelCheckpoint": {"monitor": "val_loss", "save_best_only": False, "mode": "auto", "save_freq": "epoch",
                        "initial_value_threshold": None},
    "EarlyStopping": {"monitor": "val_loss", "min_delta": 0, "patience": 0, "mode": "auto", "baseline": None,
                      "start_from_epoch": 0},
    "ReduceLROnPlateau": {"monitor": "val_loss", "factor": 0.1, "patience": 10, "mode": "auto", "min_delta": 1e-4,
                          "cooldown": 0, "min_lr": 0.0},
}

INITIAL_LR = 1e-3  # the learning rate a replay starts from: grader.probes.replay.REPLAY_INITIAL_LR
PROPERTY_MAX_EPOCHS = 12  # the longest history replayed, as the hypothesis search's (grader.probes.property)
PROPERTY_COUNT = 20  # the cover (about 12: every mistake, one of each structure), then random ones
# The training metrics a replay logs beside the scripted validation ones (grader.probes.replay.replay).
_TRAINING_LOGS = {"loss": 0.5, "accuracy": 0.5}

# Mistakes no drawn plateau shows, as the behaviour verdicts judge it (each callback's events over the
# epochs both runs reached; values of 2 decimals; the reference's settings). The property histories do.
PLATEAU_BLIND_SPOTS = {
    "ReduceLROnPlateau cooldown": "a cooldown delays only a second drop within one stall, which takes "
                                  "2 x 3 epochs without improvement: EarlyStopping stops after 5",
    "min_delta below 0.05": "every improvement after the first descent is exactly 0.05, as the public "
                            "plateau's smallest: a smaller min_delta acts as none (a habit, not a mistake)",
    "EarlyStopping start_from_epoch": "it moves the stop only when the best epoch before it is one it skips, "
                                      "so by epoch start_from_epoch + 5: plateaus that short would leave the "
                                      "reference's stop and drop nearly the same in every draw, easy to guess",
    "EarlyStopping baseline above the loss of the first epochs": "it is beaten at once",
    "ModelCheckpoint initial_value_threshold below the first val_accuracy": "the first epoch beats it",
    "min_lr below the rate after one drop (5e-4)": "a min_lr above a drop's rate still lets it happen, "
                                                   "down to min_lr, so it must block the second drop",
    "factor, restore_best_weights, save_weights_only, verbose": "they move no event",
}
# The public plateau (seed None, today's) catches what a drawn one does: its val_loss improves by 0.10,
# 0.10 and 0.05, so a min_delta of 0.05 or more moves an event there too.
PUBLIC_PLATEAU_MISSES: tuple[str, ...] = ()
PROPERTY_BLIND_SPOTS = {
    "ReduceLROnPlateau cooldown=1": "the same as 0 on every history: Keras counts the cooldown down before "
                                    "it looks at the epoch",
    "min_lr below the rate after 2 drops (2.5e-4 with factor 0.5)": "12 epochs hold 3 drops at most, and a "
                                                                   "min_lr above the third's rate still lets "
                                                                   "it happen (down to min_lr)",
    "EarlyStopping baseline above the first val_loss": "it is beaten at once",
    "factor, restore_best_weights, save_weights_only, verbose": "they move no event",
}


class SimulationError(Exception):
    """A configuration Keras would refuse, or that raises at the first epoch (mode "auto" on an unknown metric)."""


# ---------------------------------------------------------------------------------------------
# The three callbacks' decision rules, as Keras 3 applies them in a replay (grader.probes.replay)

def _less32(a: float, b: float) -> bool:
    """float32(a) < float32(b): Keras compares with ops.less/ops.greater, which cast Python floats to float32."""
    largest = max(abs(a), abs(b))
    if largest < 1e38:  # within float32's range, and a NaN fails this test
        gap = 1e-6 * largest
        if a < b - gap:
            return True
        if a > b + gap:
            return False
    with np.errstate(over="ignore"):
        return bool(np.float32(a) < np.float32(b))


def _direction(monitor, mode) -> str:
    """"min" or "max" as Keras resolves it against the replay model (sigmoid, BCE, metrics=["accuracy"])."""
    if mode in ("min", "max"):
        return mode
    name = str(monitor).removeprefix("val_")
    if name == "loss":
        return "min"
    if name == "accuracy":
        return "max"
    raise SimulationError(f"mode 'auto' cannot resolve a direction for {monitor!r}")


class _Monitor:
    def __init__(self, monitor, mode, min_delta):
        self.monitor = monitor
        self.direction = _direction(monitor, mode)
        self.min_delta = abs(float(min_delta or 0))

    def improves(self, current, reference) -> bool:
        if reference is None:
            return True
        reference = float(reference)
        if self.direction == "min":
            return _less32(current + self.min_delta, reference)
        return _less32(reference, current - self.min_delta)


class _EarlyStopping(_Monitor):
    def __init__(self, config):
        super().__init__(config["monitor"], config["mode"], config["min_delta"])
        self.patience, self.baseline = config["patience"], config["baseline"]
        self.start_from_epoch = config["start_from_epoch"]
        self.wait, self.best = 0, None

    def epoch_end(self, epoch, logs) -> bool:
        """True: stop training after this epoch."""
        current = logs.get(self.monitor)
        if current is None or epoch < self.start_from_epoch:
            return False
        self.wait += 1
        if self.improves(current, self.best):
            self.best = current
            if self.baseline is None or self.improves(current, self.baseline):
                self.wait = 0
            return False
        return self.wait >= self.patience and epoch > 0


class _ReduceLROnPlateau(_Monitor):
    def __init__(self, config):
        if config["factor"] >= 1.0:
            raise SimulationError("ReduceLROnPlateau does not support a factor >= 1.0")
        super().__init__(config["monitor"], config["mode"], config["min_delta"])
        self.factor, self.patience = config["factor"], config["patience"]
        self.cooldown, self.min_lr = config["cooldown"], config["min_lr"]
        self.cooldown_counter, self.wait, self.best = 0, 0, None

    def epoch_end(self, epoch, logs, lr: float) -> float:
        """The learning rate after this epoch (a float32 value, as the optimizer's variable holds it)."""
        current = logs.get(self.monitor)
        if current is None:
            return lr
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self.improves(current, self.best):
            self.best, self.wait = current, 0
        elif not self.cooldown_counter > 0:
            self.wait += 1
            if self.wait >= self.patience and np.float32(lr) > np.float32(self.min_lr):
                lr = float(np.float32(max(lr * self.factor, self.min_lr)))
                self.cooldown_counter, self.wait = self.cooldown, 0
        return lr


class _ModelCheckpoint(_Monitor):
    def __init__(self, config):
        if config["save_freq"] != "epoch" and not isinstance(config["save_freq"], int):
            raise SimulationError(f"Unrecognized save_freq: {config['save_freq']}")
        super().__init__(config["monitor"], config["mode"], 0)
        self.save_best_only, self.save_freq = config["save_best_only"], config["save_freq"]
        self.best = config["initial_value_threshold"]

    def epoch_end(self, epoch, logs) -> bool:
        """True: the model is saved after this epoch (a save_freq in batches never saves in a replay)."""
        if self.save_freq != "epoch":
            return False
        if not self.save_best_only:
            return True
        current = logs.get(self.monitor)
        if current is None:
            return True
        if self.improves(current, self.best):
            self.best = current
            return True
        return False


_SIMULATORS = {"ModelCheckpoint": _ModelCheckpoint, "EarlyStopping": _EarlyStopping,
               "ReduceLROnPlateau": _ReduceLROnPlateau}


@dataclass(frozen=True)
class Events:
    """What callbacks did on a history, as grader.facts.Timeline tells it (epochs count from 1)."""

    last_epoch: int
    epochs_requested: int
    saves: tuple[int, ...] = ()
    drops: tuple[int, ...] = ()

    @property
    def stopped_early(self) -> bool:
        return self.last_epoch < self.epochs_requested

    def events_of(self, kind: str, until: int | None = None):
        """Timeline.events_of: saves, the stop epoch (None: no early stop), or LR drops; `until` cuts saves/drops."""
        if kind == "EarlyStopping":
            return self.last_epoch if self.stopped_early else None
        events = self.saves if kind == "ModelCheckpoint" else self.drops
        return tuple(e for e in events if until is None or e <= until)


def full_config(kind: str, config: dict) -> dict:
    return {**KERAS_DEFAULTS[kind], **config}


def simulate(configs: dict[str, dict], val_loss, val_accuracy) -> Events:
    """The events of these callbacks (kind -> config) replayed together on a history, without Keras.

    Raises SimulationError where Keras would raise (at construction or at the first epoch).
    """
    callbacks = {kind: _SIMULATORS[kind](full_config(kind, config)) for kind, config in configs.items()}
    epochs = len(val_loss)
    lr = float(np.float32(INITIAL_LR))
    saves, drops, last = [], [], 0
    for epoch in range(epochs):
        logs = {**_TRAINING_LOGS, "val_loss": float(val_loss[epoch]), "val_accuracy": float(val_accuracy[epoch])}
        stop = False
        before = lr
        for kind, callback in callbacks.items():
            if kind == "ModelCheckpoint":
                if callback.epoch_end(epoch, logs):
                    saves.append(epoch + 1)
            elif kind == "EarlyStopping":
                stop = callback.epoch_end(epoch, logs) or stop
            else:
                lr = callback.epoch_end(epoch, logs, lr)
        if lr < before:
            drops.append(epoch + 1)
        last = epoch + 1
        if stop:
            break
    return Events(last_epoch=last, epochs_requested=epochs, saves=tuple(saves), drops=tuple(drops))


def _simulated(configs, history) -> Events | None:
    try:
        return simulate(configs, *history)
    except SimulationError:
        return None


def differs_together(kinds, mine: Events | None, reference: Events) -> bool:
    """The behaviour verdicts on a plateau: the stop itself; saves and drops over the epochs both runs reached."""
    if mine is None:  # the run fails: every item about it fails
        return True
    until = min(mine.last_epoch, reference.last_epoch)
    for kind in kinds:
        if kind == "EarlyStopping":
            if (mine.last_epoch, mine.stopped_early) != (reference.last_epoch, reference.stopped_early):
                return True
        elif mine.events_of(kind, until) != reference.events_of(kind, until):
            return True
    return False


def differs_alone(kind: str, mine: Events | None, reference: Events) -> bool:
    """The property check: one callback replayed alone, its events over the whole history."""
    return mine is None or mine.events_of(kind) != reference.events_of(kind)


# ---------------------------------------------------------------------------------------------
# Plausible single mistakes, derived from the reference's configurations

@dataclass(frozen=True)
class Mutant:
    """A plausible mistake: the configs of the callbacks it changes (kind -> full config)."""

    name: str
    changes: dict

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self.changes)


def _configs(configs: dict[str, dict] | None) -> dict[str, dict]:
    configs = REFERENCE_CONFIGS if configs is None else configs
    return {kind: dict(configs[kind]) for kind in KINDS if kind in configs}


def _other_monitor(monitor: str) -> str:
    return "val_accuracy" if str(monitor).removeprefix("val_") == "loss" else "val_loss"


def _resolved(config: dict) -> dict:
    """A config with mode "auto" resolved, so that two spellings of one callback compare equal."""
    try:
        return {**config, "mode": _direction(config["monitor"], config["mode"])}
    except SimulationError:
        return config


def mutants(configs: dict[str, dict] | None = None, scope: str = "plateau") -> list[Mutant]:
    """Plausible single mistakes in each callback of `configs`.

    scope "plateau": those a scripted plateau must catch (see PLATEAU_BLIND_SPOTS for the others);
    "property": those the property histories must catch, each callback replayed alone, in at most
    PROPERTY_MAX_EPOCHS epochs (a min_lr that blocks the third drop only where 3 patiences fit in them,
    after the first epoch).
    """
    configs = _configs(configs)
    found: list[Mutant] = []
    seen: set[str] = set()

    def add(name: str, **changes: dict) -> None:
        changed = {kind: full_config(kind, {**configs[kind], **change}) for kind, change in changes.items()}
        if any(_resolved(changed[kind]) == _resolved(full_config(kind, configs[kind])) for kind in changed):
            return  # not a change of that callback at all
        key = repr(sorted((kind, sorted(_resolved(config).items(), key=repr)) for kind, config in changed.items()))
        if key not in seen:
            seen.add(key)
            found.append(Mutant(name, changed))

    prop = scope == "property"
    for kind, config in configs.items():
        c = full_config(kind, config)
        monitor = c["monitor"]
        try:
            direction = _direction(monitor, c["mode"])
        except SimulationError:
            continue
        flipped = "min" if direction == "max" else "max"
        other = _other_monitor(monitor)
        add(f"{kind} mode {flipped}", **{kind: {"mode": flipped}})
        add(f"{kind} on {other} (mode auto)", **{kind: {"monitor": other, "mode": "auto"}})
        add(f"{kind} on {other}, mode {direction}", **{kind: {"monitor": other, "mode": direction}})
        add(f"{kind} on {other}, mode {flipped}", **{kind: {"monitor": other, "mode": flipped}})
        add(f"{kind} on val_acc (never logged)", **{kind: {"monitor": "val_acc", "mode": "max"}})
        if kind in ("EarlyStopping", "ReduceLROnPlateau"):
            patience = int(c["patience"])
            for p in (patience - 1, patience + 1, 10, *((0, 3, 5) if prop else ())):
                if p >= 0 and (not prop or min(p, patience) + 2 <= PROPERTY_MAX_EPOCHS):
                    add(f"{kind} patience {p}", **{kind: {"patience": p}})
            # Improvements are 0.05 or more on a plateau and 0.1 or more in a list (the hypothesis
            # search's levels): a smaller min_delta acts as the reference's on both, as on the public ones.
            deltas = (0.15, 0.3) if prop else (0.05, 0.1)
            for delta in deltas:
                if delta > abs(c["min_delta"]) or (prop and delta < abs(c["min_delta"])):
                    add(f"{kind} min_delta {delta:g}", **{kind: {"min_delta": delta}})
        if kind == "EarlyStopping":
            if direction == "min":
                baselines = (0.0, 0.3, 0.5, 0.7, 0.9) if prop else (0.0, 0.5)
            else:
                baselines = (0.5, 0.7, 0.9, 1.0) if prop else (1.0,)
            for baseline in baselines:
                add(f"EarlyStopping baseline {baseline:g}", EarlyStopping={"baseline": baseline})
            if prop:
                for start in (1, 2, 3, 5):
                    add(f"EarlyStopping start_from_epoch {start}", EarlyStopping={"start_from_epoch": start})
        if kind == "ReduceLROnPlateau":
            add(f"ReduceLROnPlateau min_lr {INITIAL_LR:g} (the initial rate)",
                ReduceLROnPlateau={"min_lr": INITIAL_LR})
            after_one, patience = INITIAL_LR * c["factor"], max(int(c["patience"]), 1)
            if not prop or 2 * patience + 1 <= PROPERTY_MAX_EPOCHS:
                add(f"ReduceLROnPlateau min_lr {after_one:g} (blocks the second drop)",
                    ReduceLROnPlateau={"min_lr": after_one})
            if prop and 2 * patience + 1 <= PROPERTY_MAX_EPOCHS:
                for cooldown in (2, 3):
                    add(f"ReduceLROnPlateau cooldown {cooldown}", ReduceLROnPlateau={"cooldown": cooldown})
            if prop and 3 * patience + 1 <= PROPERTY_MAX_EPOCHS:
                add(f"ReduceLROnPlateau min_lr {after_one * c['factor']:g} (blocks the third drop)",
                    ReduceLROnPlateau={"min_lr": after_one * c["factor"]})
        if kind == "ModelCheckpoint":
            add("ModelCheckpoint save_best_only flipped", ModelCheckpoint={"save_best_only": not c["save_best_only"]})
            if direction == "max":
                thresholds = (0.5, 0.7, 0.9) if prop else (0.5,)
            else:
                thresholds = (0.5, 0.3) if prop else (0.5,)
            for threshold in thresholds:
                add(f"ModelCheckpoint initial_value_threshold {threshold:g}",
                    ModelCheckpoint={"initial_value_threshold": threshold})
            if prop:
                add("ModelCheckpoint save_freq 1 (batches)", ModelCheckpoint={"save_freq": 1})
    if {"EarlyStopping", "ReduceLROnPlateau"} <= set(configs) and not prop:
        es, rlr = configs["EarlyStopping"].get("patience"), configs["ReduceLROnPlateau"].get("patience")
        if es != rlr:
            add("patiences swapped", EarlyStopping={"patience": rlr}, ReduceLROnPlateau={"patience": es})
    return found


# ---------------------------------------------------------------------------------------------
# Seeds

def _rng(purpose: str, seed: int | None) -> np.random.Generator:
    """A generator of its own for each purpose and seed (None: the public one)."""
    digest = hashlib.sha256(f"grader.draws:{purpose}:{'public' if seed is None else int(seed)}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest, "big"))


def draw_seed() -> int:
    """A batch's seed: 63 random bits from the operating system."""
    return secrets.randbits(63)


def grading_seed(batch_seed: int, submission_id: str) -> int:
    """One grading's seed: HMAC-SHA256 of the submission's id keyed by the batch seed, 63 bits.

    Knowing it (or any number of them) tells nothing of the batch seed or of other gradings' seeds.
    """
    key = str(int(batch_seed)).encode("ascii")
    digest = hmac.new(key, str(submission_id).encode("utf-8"), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> 1


# ---------------------------------------------------------------------------------------------
# The scripted plateau

PLATEAU_ATTEMPTS = 200
# At most 3 drops, as in the longest property history: a min_lr that binds only at a fourth drop (factor
# 0.2 with min_lr 1e-5, say; the assignment names no min_lr) must not cost a point on some draws only.
# (More where the last stall alone holds more: an EarlyStopping patience of 8 over a ReduceLROnPlateau's 2.)
PLATEAU_MOST_DROPS = 3
# Values are drawn in hundredths, as "badness" (lower is better), then turned into the metric.
_SERIES = {
    "val_loss": {"start": (80, 96), "floor": 0},  # a loss of 0.80-0.95 at first: room for steps of 0.05
    "val_accuracy": {"start": (50, 56), "floor": 5},  # an accuracy of 0.45-0.50 at first
}
_WORSE_BY = (0, 0, 1, 1, 2, 2, 3, 4, 5, 6, 8)
STOP_STEP = 5  # hundredths: each improvement of the series EarlyStopping watches, after the first descent  # how far a non-improving epoch lies from the best: ties often


def _value(series: str, badness: int) -> float:
    return round(badness / 100, 2) if series == "val_loss" else round((100 - badness) / 100, 2)


def _improved(rng, best: int, floor: int, steps) -> int:
    return max(best - int(rng.choice(steps)), min(best - 1, floor))


def _stalled(rng, best: int) -> int:
    return best + int(rng.choice(_WORSE_BY))


def _stop_walk(rng, epochs: int, start: int, floor: int, patience: int, drop_patience: int | None) -> list[int]:
    """The monitored series of the reference's EarlyStopping: improve, stall, improve, ..., stall `patience`.

    A first descent of 1-3 epochs, then blocks (a stall, then an improvement) whose stalls are
    shorter than `patience`, at least one as long as `drop_patience` or longer (a drop before
    the last stall), then a stall of exactly `patience` epochs (the stop, before the last epoch),
    then the rest, where anything may happen. Every improvement after the first descent is exactly
    STOP_STEP (0.05), as the public plateau's smallest: a min_delta of 0.05 or more counts against a
    student on every draw, and one below it (0.001, 0.01, a habit, not a mistake) on none, as on the
    public plateau.
    """
    first = int(rng.integers(1, 4))
    drops = drop_patience is not None and drop_patience < patience
    least = first + (drop_patience + 1 if drops else 0) + patience
    stop = int(rng.integers(min(least, epochs - 1), epochs))  # 1-based epoch of the stop, < epochs
    while True:
        stalls, left = [], stop - patience - first
        while left > 0:
            longest = max(0, min(patience - 1, left - 1))
            lengths = np.arange(longest + 1)
            weights = np.where(drops & (lengths >= (drop_patience or 0)), 2.0, 1.0)
            length = int(rng.choice(lengths, p=weights / weights.sum()))
            stalls.append(length)
            left -= length + 1
        if not drops or any(length >= drop_patience for length in stalls) or least > stop:
            break
    values, best = [start], start
    for _ in range(first - 1):
        best = _improved(rng, best, floor, (5, 8, 10))
        values.append(best)
    for index, length in enumerate(stalls):
        values += [_stalled(rng, best) for _ in range(length)]
        best = _improved(rng, best, floor, (STOP_STEP,))
        values.append(best)
    values += [_stalled(rng, best) for _ in range(patience)]
    drift = 0
    late_best = int(rng.integers(len(values) + 2, epochs + 3))  # may lie beyond the script: none
    while len(values) < epochs:
        if len(values) + 1 == late_best:
            best = _improved(rng, best, floor, (STOP_STEP,))
            values.append(best)
            drift = 0
            continue
        drift = max(0, drift + int(rng.choice((-2, -1, 0, 1, 1, 2, 3))))
        values.append(best + drift)
    return values[:epochs]


def _free_walk(rng, epochs: int, start: int, floor: int) -> list[int]:
    """A series of its own: new bests at random epochs (about 2 in 5), ties and setbacks in between."""
    values, best = [start], start
    for _ in range(epochs - 1):
        if rng.random() < 0.4:
            best = _improved(rng, best, floor, (1, 1, 2, 3, 4))
            values.append(best)
        else:
            values.append(_stalled(rng, best))
    return values


def _plateau_candidate(rng, configs: dict[str, dict]) -> tuple[tuple[float, ...], tuple[float, ...]]:
    es = full_config("EarlyStopping", configs.get("EarlyStopping", {"patience": 5}))
    rlr = configs.get("ReduceLROnPlateau")
    stopping = es["monitor"] if es["monitor"] in _SERIES else "val_loss"
    free = _other_monitor(stopping)
    drop_patience = None
    if rlr is not None and full_config("ReduceLROnPlateau", rlr)["monitor"] == stopping:
        drop_patience = int(full_config("ReduceLROnPlateau", rlr)["patience"])
    series = {
        stopping: _stop_walk(rng, SCRIPTED_EPOCHS, int(rng.integers(*_SERIES[stopping]["start"])),
                             _SERIES[stopping]["floor"], int(es["patience"]), drop_patience),
        free: _free_walk(rng, SCRIPTED_EPOCHS, int(rng.integers(*_SERIES[free]["start"])), _SERIES[free]["floor"]),
    }
    loss = tuple(_value("val_loss", b) for b in series["val_loss"])
    accuracy = tuple(_value("val_accuracy", b) for b in series["val_accuracy"])
    return loss, accuracy


def plateau_score(history, configs: dict[str, dict] | None = None, required: list[Mutant] | None = None):
    """(acts, the mutants `history` misses): `acts` when the reference's callbacks drop the learning
    rate (1 to PLATEAU_MOST_DROPS times), save at least twice and stop early; a mutant is caught when
    it moves one of its own events."""
    configs = _configs(configs)
    required = mutants(configs, "plateau") if required is None else required
    reference = _simulated(configs, history)
    if reference is None:
        return False, list(required)
    most = PLATEAU_MOST_DROPS
    if {"EarlyStopping", "ReduceLROnPlateau"} <= set(configs):
        patiences = [full_config(kind, configs[kind])["patience"] for kind in ("EarlyStopping", "ReduceLROnPlateau")]
        most = max(most, patiences[0] // max(patiences[1], 1) + 1)
    # The best epoch is not the last one run: a checkpoint that saves every epoch (save_best_only off, or a
    # monitor Keras never logs) leaves another model in the file (behaviour.checkpoint_file).
    acts = ((not configs.get("ReduceLROnPlateau") or 1 <= len(reference.drops) <= most)
            and (not configs.get("ModelCheckpoint") or (len(reference.saves) >= 2
                                                        and reference.saves[-1] < reference.last_epoch))
            and (not configs.get("EarlyStopping") or reference.stopped_early))
    missed = [m for m in required
              if not differs_together(m.kinds, _simulated({**configs, **m.changes}, history), reference)]
    return acts, missed


def scripted_plateau(seed: int | None, configs: dict[str, dict] | None = None
                     ) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """(val_loss, val_accuracy) for the scripted fit: SCRIPTED_EPOCHS epochs, values of 2 decimals.

    None: today's public plateau. A seed: a fresh one on which the reference's callbacks (`configs`,
    keyed by kind; the reference's own by default) drop the learning rate, save several times and
    stop early, and every mistake of `mutants(configs, "plateau")` moves one of its callback's events.
    """
    if seed is None:
        return tuple(SCRIPTED_VAL_LOSS), tuple(SCRIPTED_VAL_ACCURACY)
    configs = _configs(configs)
    required = mutants(configs, "plateau")
    rng = _rng("plateau", seed)
    best, fewest = None, None
    for _ in range(PLATEAU_ATTEMPTS):
        candidate = _plateau_candidate(rng, configs)
        acts, missed = plateau_score(candidate, configs, required)
        if acts and not missed:
            return candidate
        if acts and (fewest is None or len(missed) < fewest):
            best, fewest = candidate, len(missed)
    if best is None:
        raise ValueError("no plateau makes these callbacks drop the learning rate, save and stop early")
    return best  # configurations under which some mistake cannot be caught: the draw that catches most


# ---------------------------------------------------------------------------------------------
# The property histories

# The hypothesis search's levels (grader.probes.property): few values, so ties and plateaus are common.
LOSS_LEVELS = (0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3)
ACCURACY_LEVELS = (0.5, 0.6, 0.7, 0.8, 0.9)
_POOL_PER_TEMPLATE = 16
_RANDOM_POOL = 30

History = tuple[tuple[float, ...], tuple[float, ...]]


@dataclass(frozen=True)
class _Shape:
    """What the templates need to know of the reference's callbacks: the least length that shows a
    patience one too long, and stall lengths around each patience."""

    span: int
    stalls: tuple[int, ...]

    @classmethod
    def of(cls, configs: dict[str, dict]) -> "_Shape":
        patiences = [int(full_config(kind, configs[kind])["patience"])
                     for kind in ("EarlyStopping", "ReduceLROnPlateau") if kind in configs]
        span = min(max([p + 2 for p in patiences] + [6]), PROPERTY_MAX_EPOCHS)
        stalls = sorted({1, 2, *(q for p in patiences for q in (p - 1, p, p, p + 1, 2 * p + 1) if q >= 1)})
        return cls(span=span, stalls=tuple(stalls))


def _hundredths(values) -> tuple[float, ...]:
    return tuple(round(v / 100, 2) for v in values)


def _length(rng, least: int, most: int) -> int:
    least = min(least, PROPERTY_MAX_EPOCHS)
    return int(rng.integers(least, min(max(most, least), PROPERTY_MAX_EPOCHS) + 1))


def _accuracy_walk(rng, n: int) -> tuple[float, ...]:
    """An accuracy of its own: new highs, ties and setbacks."""
    walk = _free_walk(rng, n, 100 - int(rng.integers(45, 76)), 5)
    return _hundredths(100 - b for b in walk)


def _flat(rng, variant: int, shape: _Shape) -> History:
    """A loss that never moves after the first epoch, high enough to be above any plausible baseline:
    patiences, start_from_epoch, cooldown and min_lr all show. The accuracy flat, rising or its own."""
    n = _length(rng, shape.span, PROPERTY_MAX_EPOCHS)
    loss = _hundredths([int(rng.integers(95, 131))] * n)
    if variant % 3 == 0:
        accuracy = _hundredths([int(rng.integers(30, 51))] * n)
    elif variant % 3 == 1:
        first = int(rng.integers(40, 60))
        accuracy = _hundredths(first + 3 * i for i in range(n))
    else:
        accuracy = _accuracy_walk(rng, n)
    return loss, accuracy


def _rising(rng, variant: int, shape: _Shape) -> History:
    """The loss gets worse every epoch or so while the accuracy falls: a flipped direction shows at once."""
    n = _length(rng, 4, max(9, shape.span))
    loss, value = [], int(rng.integers(30, 61))
    for _ in range(n):
        loss.append(value)
        value += int(rng.choice((0, 1, 2, 3, 5, 8)))
    accuracy, value = [], int(rng.integers(70, 91))
    for _ in range(n):
        accuracy.append(value)
        value -= int(rng.choice((0, 1, 2, 3, 5)))
    return _hundredths(loss), _hundredths(accuracy)


def _blocks(rng, variant: int, shape: _Shape) -> History:
    """Improvements between stalls as long as a patience, one more or one less, ties included."""
    n = _length(rng, 5, PROPERTY_MAX_EPOCHS)
    loss, best = [], int(rng.integers(50, 95))
    loss.append(best)
    while len(loss) < n:
        stall = int(rng.choice(shape.stalls))
        loss += [_stalled(rng, best) for _ in range(min(stall, n - len(loss)))]
        if len(loss) < n:
            best = _improved(rng, best, 5, (1, 1, 2, 5, 10))
            loss.append(best)
    return _hundredths(loss), _accuracy_walk(rng, n)


def _decoupled(rng, variant: int, shape: _Shape) -> History:
    """One metric improves every epoch while the other stalls: a callback watching the wrong one shows."""
    n = _length(rng, max(5, shape.span), max(9, shape.span))
    if variant % 2 == 0:
        start, flat = int(rng.integers(60, 95)), int(rng.integers(50, 80))
        loss = _hundredths(start - 2 * i for i in range(n))
        accuracy = _hundredths([flat] + [flat - int(rng.choice((0, 0, 1, 2))) for _ in range(n - 1)])
    else:
        flat, start = int(rng.integers(40, 80)), int(rng.integers(40, 70))
        loss = _hundredths([flat] + [flat + int(rng.choice((0, 0, 1, 2))) for _ in range(n - 1)])
        accuracy = _hundredths(start + 2 * i for i in range(n))
    return loss, accuracy


def _low_accuracy_start(rng, variant: int, shape: _Shape) -> History:
    """An accuracy that starts low and climbs (a threshold on the first save shows); the loss its own."""
    n = _length(rng, 3, 7)
    first, step = int(rng.integers(10, 31)), int(rng.integers(5, 16))
    accuracy = _hundredths(first + step * i for i in range(n))
    loss = _hundredths(_free_walk(rng, n, int(rng.integers(50, 90)), 5))
    return loss, accuracy


def _random_levels(rng) -> History:
    """Like the hypothesis search's histories: 2 to 12 epochs of a few levels."""
    n = int(rng.integers(2, PROPERTY_MAX_EPOCHS + 1))
    return (tuple(float(v) for v in rng.choice(LOSS_LEVELS, n)),
            tuple(float(v) for v in rng.choice(ACCURACY_LEVELS, n)))


def _tenths(history: History) -> History:
    """On the hypothesis search's grid (0.1 apart): a list must not tell apart what the public search cannot
    (a min_delta of 0.001 or 0.01 acts on steps of 0.1 as 0 does)."""
    return tuple(tuple(round(round(v * 10) / 10, 1) for v in series) for series in history)


# Structured templates; each is drawn _POOL_PER_TEMPLATE times, its variants in turn, then put on the
# grid of tenths.
_TEMPLATES = (_flat, _rising, _blocks, _decoupled, _low_accuracy_start)


def _readability(history: History) -> tuple:
    """Shorter first; then fewer distinct values, fewer digits."""
    loss, accuracy = history
    return len(loss), len(set(loss)) + len(set(accuracy)), sum(len(repr(v)) for v in loss + accuracy)


def property_histories(seed: int | None, count: int = PROPERTY_COUNT,
                       configs: dict[str, dict] | None = None) -> tuple[History, ...]:
    """(val_loss, val_accuracy) histories of 2 to PROPERTY_MAX_EPOCHS epochs, to replay each callback on
    alone beside the reference's; shortest first, so that the first disagreement is small and readable.

    None: a fixed public list. A seed: from a pool of structured histories (flat, rising, steps below
    and above the usual min_delta, stalls around the patiences, one metric moving without the other,
    a low first accuracy) and random ones of a few levels (like the hypothesis search's), the fewest
    that catch every mistake of `mutants(configs, "property")` plus one of each structure, then random
    histories up to `count` in all (more when the cover needs more).
    """
    configs = _configs(configs)
    shape = _Shape.of(configs)
    rng = _rng("property", seed)
    templates = [template for template in _TEMPLATES for _ in range(_POOL_PER_TEMPLATE)] + [None] * _RANDOM_POOL
    pool = [_tenths(template(rng, variant % _POOL_PER_TEMPLATE, shape)) if template else _random_levels(rng)
            for variant, template in enumerate(templates)]
    references = {kind: [_simulated({kind: config}, h) for h in pool] for kind, config in configs.items()}
    wanted = mutants(configs, "property")
    catches: list[set[int]] = [set() for _ in pool]
    for index, mutant in enumerate(wanted):
        (kind, config), = mutant.changes.items()
        for h, history in enumerate(pool):
            if differs_alone(kind, _simulated({kind: config}, history), references[kind][h]):
                catches[h].add(index)

    def preference(h: int, uncovered: set[int]):
        return len(catches[h] & uncovered), [-x for x in _readability(pool[h])]

    uncovered, chosen = set(range(len(wanted))), []
    while uncovered:
        h = max(range(len(pool)), key=lambda i: preference(i, uncovered))
        if not catches[h] & uncovered:
            break  # mistakes no history of the pool shows (the tests keep this from happening)
        chosen.append(h)
        uncovered -= catches[h]
    everything = set(range(len(wanted)))
    for template in _TEMPLATES:  # one of each structure at least: the one that catches most
        if not any(templates[h] is template for h in chosen):
            chosen.append(max((h for h in range(len(pool)) if templates[h] is template),
                              key=lambda i: preference(i, everything)))
    histories = [pool[h] for h in chosen]
    while len(histories) < count:
        histories.append(_random_levels(rng))
    return tuple(sorted(histories, key=_readability))


# ---------------------------------------------------------------------------------------------
# The explore step's questions: StopAtTarget's histories, warmup's (epoch, rate) pairs, and the
# targets StopAtTarget is replayed with beside the reference's three callbacks

# The rates warmup may be handed: the base rate and rates ReduceLROnPlateau (or a schedule) could have set.
EXPLORE_RATES = (1e-3, 5e-4, 3e-4, 2.5e-4, 1.25e-4, 1e-4, 5e-5)
_STOP_SHAPES = ("tie", "cross", "never", "first", "dip")  # per monitor; see _stop_case


def explore_questions(seed: int | None, plateau, configs: dict[str, dict] | None = None) -> ExploreQuestions:
    """None: the public cases (grader.synthetic). A seed: cases of the same shapes with fresh values,
    on the grading's own scripted `plateau`, so that each way to get an item wrong shows on every seed:
    a tie with the target (strict comparison), a loss monitor (the direction), a target never reached,
    one reached at the first epoch, one reached and lost again (a stop that comes late); warm-up epochs
    handed rates other than the base (a climb from the given rate); epoch 3 and later handed lowered
    rates (a constant after the warm-up); a target reached before EarlyStopping's stop, and one never
    reached, after the three (a callback that sets stop_training back to False)."""
    from grader.synthetic import PUBLIC_EXPLORE, WARMUP_EPOCHS

    if seed is None:
        return PUBLIC_EXPLORE
    rng = _rng("explore", seed)
    stops = tuple(_stop_case(rng, monitor, shape) for monitor in ("val_accuracy", "val_loss")
                  for shape in _STOP_SHAPES)
    lowered = [rate for rate in EXPLORE_RATES if rate != EXPLORE_RATES[0]]
    rates = tuple((epoch, float(rng.choice(lowered))) for epoch in range(WARMUP_EPOCHS))
    rates += ((WARMUP_EPOCHS, float(rng.choice(lowered))), (WARMUP_EPOCHS, EXPLORE_RATES[0]))
    rates += tuple((int(epoch), float(rng.choice(lowered)))
                   for epoch in sorted(rng.choice(np.arange(WARMUP_EPOCHS + 1, 31), size=3, replace=False)))
    val_loss, val_accuracy = plateau
    stop = simulate(_configs(configs), val_loss, val_accuracy).last_epoch
    # An epoch after the first and before EarlyStopping's stop where val_accuracy reaches a new high: the
    # target lies between that high and the one before, so StopAtTarget stops there (no tie: a strict >
    # costs stop_at_target only).
    highs = [epoch for epoch in range(2, stop) if val_accuracy[epoch - 1] > max(val_accuracy[:epoch - 1])]
    reach = int(rng.choice(highs)) if highs else 1
    below = max(val_accuracy[:reach - 1]) if reach > 1 else 0.0
    target = round((below + val_accuracy[reach - 1]) / 2, 3)
    never = round(min(0.99, max(val_accuracy) + 0.05), 2)
    positions = (("after", target), ("before", never), ("after", never))
    return ExploreQuestions(stops=stops, rates=rates, positions=positions, plateau=(tuple(val_loss), tuple(val_accuracy)))


def _stop_case(rng, monitor: str, shape: str) -> tuple:
    """(monitor, target, val_loss, val_accuracy): the monitored series, in hundredths, shaped so that
    the target is met exactly ("tie"), passed ("cross"), never reached, reached at the first epoch, or
    reached and then lost ("dip"); the other series is a plain walk."""
    loss = monitor == "val_loss"
    epochs = int(rng.integers(4, 9))
    at = int(rng.integers(2, epochs))  # the epoch (from 1) the target is first reached, before the last
    target = int(rng.integers(25, 45)) if loss else int(rng.integers(70, 92))
    away = [int(rng.integers(1, 12)) for _ in range(epochs)]  # hundredths short of the target
    series = [target + a if loss else target - a for a in away]
    if shape in ("tie", "cross", "dip"):
        series[at - 1] = target if shape == "tie" else (target - 2 if loss else target + 2)
        after = range(at, epochs)
        for i in after:  # after the stop: anything, on either side (a late stop shows)
            series[i] = target + (1 if shape == "dip" else -1) * int(rng.integers(1, 6)) * (1 if loss else -1)
    elif shape == "first":
        series[0] = target - 3 if loss else target + 3
    values = tuple(round(v / 100, 2) for v in series)
    other = tuple(round(v / 100, 2) for v in (
        sorted((int(rng.integers(40, 70)) for _ in range(epochs)), reverse=not loss)))  # loss falls, accuracy rises
    return (monitor, round(target / 100, 2), values, other) if loss else (monitor, round(target / 100, 2), other, values)

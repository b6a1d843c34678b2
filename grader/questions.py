"""The questions a grading asks, decided by a seed: what the worker must answer, and what stays outside.

A batch draws a secret seed (kept by the trusted process, stored in each gradebook row);
each grading's questions come from a seed of its own made from it and the submission's id,
so that the worker of one submission learns nothing about another's. The seed decides
- the scripted plateau of the real training run (behaviour area),
- the histories the student's callbacks are replayed on, beside the hypothesis search
  (property area),
- the histories `summarize` is asked about (train area),
- the images of the easy learning task the model must classify (model area): its held-out
  images come from a second seed the worker never gets, and are handed over without labels;
- the explore step's questions: the histories StopAtTarget is replayed on, the (epoch, rate)
  pairs warmup is called with, the targets StopAtTarget is replayed with beside the three.

The worker gets `Questions` (everything but the held-out labels); the trusted process keeps
`Secret` (the held-out labels) and computes the reference's answers itself
(`grader.expected`). `pytest grader` asks the public questions (seed None): fixed inputs,
the same code path.

Nothing here imports TensorFlow: the trusted side of a batch reads it before it needs Keras.
"""
from __future__ import annotations

import base64
import dataclasses
import functools
import hashlib
import json
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader.synthetic import ExploreQuestions

# Enough images that a model's accuracy on them varies little from one grading to the next: a model that
# classifies 80 % of such images right falls below model.learns's 0.67 on fewer than 1 % of draws of 96
# (on 8 % of draws of 32, and below the former 0.85 on most).
HELD_OUT_IMAGES = 96
# The held-out images' side as sent: the largest grading size (the assignment's 150). A model graded at a
# smaller size sees them resized by nearest neighbour, which keeps their pixel noise independent, as in the
# images it trained on (made at its own size); enlarged, from 64, they were blocky, and a model graded at
# 150 classified them worse than its training images (the seed sweep found one near the threshold).
HELD_OUT_SIDE = 150
PUBLIC_HELD_OUT_SEED = 20261130
PROFILE = Path(__file__).with_name("profile.json")


@dataclass(frozen=True, eq=False)
class Questions:
    """What one grading asks the worker (all of it known to the worker while it runs)."""

    seed: int | None  # None: the public questions (students' copy, the instructor's pytest grader)
    plateau: tuple[tuple[float, ...], tuple[float, ...]]  # scripted (val_loss, val_accuracy)
    histories: tuple[tuple[tuple[float, ...], tuple[float, ...]], ...]  # the property test's list
    summaries: tuple[dict, ...]  # histories summarize is asked about
    held_out: np.ndarray  # uint8 images (HELD_OUT_IMAGES, side, side, 3), labels not included
    explore: ExploreQuestions  # StopAtTarget's histories, warmup's (epoch, rate) pairs, the position targets

    @property
    def digest(self) -> str:
        """What the worker echoes: a forged answer made for other questions does not carry it."""
        return asked_digest(self.plateau, self.histories, self.summaries, self.explore)


@dataclass(frozen=True)
class Secret:
    """What the trusted process keeps: the held-out labels, as a string of 0 and 1."""

    labels: str


def asked_digest(plateau, histories, summaries, explore) -> str:
    text = json.dumps([plateau, histories, summaries, dataclasses.astuple(explore)], sort_keys=True, default=list)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def draw_seed() -> int:
    """A batch's secret seed."""
    from grader.draws import draw_seed as drawn

    return drawn()


def grading_seed(batch_seed: int, submission_id: str, purpose: str = "ask") -> int:
    """One grading's seed for one purpose ("ask": the worker gets it; "held-out": it never does):
    reveals nothing about the batch's seed, another grading's, or the other purpose's."""
    from grader.draws import grading_seed as keyed

    return keyed(batch_seed, f"{purpose}:{submission_id}")


@functools.lru_cache(maxsize=4)
def asked(seed: int | None, held_out_seed: int | None = None) -> Questions:
    """The questions of a seed (None: the public ones), with the held-out images of `held_out_seed`."""
    images, _ = held_out(PUBLIC_HELD_OUT_SEED if held_out_seed is None else held_out_seed)
    return _with_images(seed, images)


@functools.lru_cache(maxsize=4)
def _drawn(seed: int | None) -> tuple:
    """A seed's plateau, property list, summarize histories and explore questions (no images: a worker
    gets those)."""
    from grader.draws import explore_questions, property_histories, scripted_plateau

    configs = _reference_configs()
    plateau = scripted_plateau(seed, configs)
    return (plateau, property_histories(seed, configs=configs), summary_histories(seed),
            explore_questions(seed, plateau, configs))


def _with_images(seed: int | None, images: np.ndarray) -> Questions:
    plateau, histories, summaries, explore = _drawn(seed)
    return Questions(seed=seed, plateau=plateau, histories=histories, summaries=summaries, held_out=images,
                     explore=explore)


def secret(held_out_seed: int | None) -> Secret:
    _, labels = held_out(PUBLIC_HELD_OUT_SEED if held_out_seed is None else held_out_seed)
    return Secret(labels="".join(str(int(label)) for label in labels))


def summary_histories(seed: int | None) -> tuple[dict, ...]:
    """Public: the fixed corpus (and, in the instructor's copy, the held-back histories); else drawn."""
    from grader import corpus

    if seed is None:
        return corpus.corpus() + corpus.held_back()
    rng = random.Random(seed)
    found = {}
    lengths = list(range(1, 13)) * 5
    rng.shuffle(lengths)
    for run in lengths:
        history = corpus.corpus_history(rng, run)
        found.setdefault(repr(history), history)
    return tuple(sorted(found.values(), key=lambda h: (len(h["history"]["val_accuracy"]), repr(h))))


@functools.lru_cache(maxsize=4)
def held_out(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The easy task's held-out images (a bright square, or none) as uint8, and their labels."""
    from grader.synthetic import blob_images

    images, labels = blob_images(HELD_OUT_IMAGES, HELD_OUT_SIDE, seed=seed)
    images = np.clip(np.round(images * 255.0), 0, 255).astype("uint8")
    images.setflags(write=False)
    return images, labels


def held_out_at(questions: Questions, size) -> np.ndarray:
    """The held-out images as float32 in [0, 1] at (height, width) `size`: nearest-neighbour resized."""
    height, width = int(size[0]), int(size[1])
    images = questions.held_out
    rows = np.arange(height) * images.shape[1] // height
    columns = np.arange(width) * images.shape[2] // width
    return (images[:, rows][:, :, columns].astype("float32") / 255.0)


def _reference_configs() -> dict[str, dict] | None:
    """The reference's callback configurations by kind, from the profile (the plateau is made for them).

    Read as plain JSON: this module sits below grader.profile (the probes import it)."""
    try:
        facts = json.loads(PROFILE.read_text(encoding="utf-8"))["facts"]["callbacks"]["callbacks"]
        return {cb["kind"]: dict(cb["config"]) for cb in facts if cb.get("kind") and cb.get("config")}
    except (OSError, ValueError, KeyError, TypeError):  # no usable profile: the generator's defaults (the assignment's)
        return None


# ---- the worker's side: the message it gets, and the questions this process answers

def message(token: str, seed: int | None, held_out_seed: int | None) -> str:
    """The line the trusted process hands a worker on stdin: its token, its questions' seed, the images."""
    images, _ = held_out(PUBLIC_HELD_OUT_SEED if held_out_seed is None else held_out_seed)
    return json.dumps({"token": token, "seed": seed,
                       "held_out": base64.b64encode(images.tobytes()).decode("ascii"),
                       "held_out_shape": list(images.shape)})


def from_message(line: str) -> tuple[str, Questions]:
    """(token, questions) from the line a worker read (a bare token: the public questions)."""
    line = line.strip()
    if not line.startswith("{"):
        return line, asked(None)
    data = json.loads(line)
    images = np.frombuffer(base64.b64decode(data["held_out"]), dtype="uint8").reshape(data["held_out_shape"])
    images.setflags(write=False)
    return str(data["token"]), _with_images(data.get("seed"), images)


_current: Questions | None = None


def use(questions: Questions | None) -> None:
    """The questions this process's probes answer from now on (None: the public ones)."""
    global _current
    _current = questions


def current() -> Questions:
    return _current if _current is not None else asked(None)

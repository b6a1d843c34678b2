"""The reference's answers to one grading's questions, made where student code never ran; and the
checks of what the worker claims against what it answered.

In batch grading the worker is treated as compromised: what it sends are answers to the
grading's questions (`grader.questions`), never taken as measured facts. Here, in the trusted
process:
- `reference_for` gives the reference's facts for those questions: its callbacks (Keras's own
  classes, rebuilt from the profile's configurations) replayed on the grading's plateau and list
  of histories; `summarize`'s expected answers from `expected_summary` (the assignment's
  definition, checked against the reference's recorded answers by the tests); the held-out
  labels of the learning task, which the worker never had.
- `check_answers` finds answers made for other questions (an honest worker echoes the digest
  of the questions it was asked), and callback settings the worker claims that do not act, on
  the grading's histories, the way the worker says its callbacks acted. Either makes the
  grading `inconsistent`.

`pytest grader` takes the same path with the public questions.
"""
from __future__ import annotations

import dataclasses
import json
import tempfile
from pathlib import Path

from grader.facts import (BehaviourFacts, CallbacksFacts, ExploreFacts, Failure, ListAnswers, ModelFacts,
                          PropertyFacts, PropertyReference, TrainFacts)
from grader.questions import Questions, Secret

KINDS = ("ModelCheckpoint", "EarlyStopping", "ReduceLROnPlateau")
INCONSISTENT = "inconsistent"


def reference_for(questions: Questions, secret: Secret, base):
    """reference(key): the reference's facts for these questions, from `base(key)` (profile or live)."""
    cache: dict[str, object] = {}

    def reference(key: str):
        if key not in cache:
            cache[key] = _for_questions(key, base(key), questions, secret, base)
        return cache[key]

    return reference


def _for_questions(key: str, facts, questions: Questions, secret: Secret, base):
    if facts is None or isinstance(facts, Failure):
        return facts
    if key == "behaviour" and questions.seed is not None:
        with tempfile.TemporaryDirectory(prefix="grader-expected-") as scratch:
            from grader.quiet import quiet_tensorflow

            quiet_tensorflow()
            from grader.probes.behaviour import replay_plateau

            return BehaviourFacts(scripted=replay_plateau(base("callbacks"), questions.plateau, Path(scratch)))
    if key == "property" and isinstance(facts, PropertyReference):
        if facts.answers and json.dumps(facts.histories) == json.dumps(questions.histories):
            return facts  # the answers recorded with the reference's facts, to these very questions (the public ones)
        return dataclasses.replace(facts, answers=reference_answers(base("callbacks"), questions),
                                   histories=questions.histories)
    if key == "model" and isinstance(facts, ModelFacts) and questions.seed is not None:
        return dataclasses.replace(facts, held_out_labels=secret.labels)
    if key == "train" and isinstance(facts, TrainFacts) and questions.seed is not None:
        return dataclasses.replace(facts, histories=questions.summaries,
                                   summaries=tuple(expected_summary(h) for h in questions.summaries),
                                   summary_failures=(None,) * len(questions.summaries))
    if key == "explore" and isinstance(facts, ExploreFacts) and not facts.failure:
        if questions.seed is None:  # the public questions: the reference's answers as the profile recorded them
            return dataclasses.replace(facts, questions=questions.explore)
        return dataclasses.replace(facts, questions=questions.explore, **explore_answers(base("callbacks"),
                                                                                          questions.explore))
    return facts


def explore_answers(callbacks: CallbacksFacts, asked) -> dict:
    """The explore step's expected answers to `asked` (grader.synthetic.ExploreQuestions): from the
    assignment's definitions of StopAtTarget and warmup (grader.probes.explore, checked against
    reference/explore.py by the tests), and, beside the reference's three callbacks rebuilt from their
    configurations, a StopAtTarget of that definition replayed here."""
    from grader.probes.explore import rate_text, stop_epoch, stop_words, warmup_rate

    def stops(monitor, target, val_loss, val_accuracy) -> str:
        values = val_loss if monitor == "val_loss" else val_accuracy
        return stop_words(stop_epoch(monitor, target, values), len(values))

    return {"stop_answers": tuple(stops(*case) for case in asked.stops),
            "rates": tuple(rate_text(warmup_rate(epoch, lr)) for epoch, lr in asked.rates),
            "positions": _positions(callbacks, asked)}


def _positions(callbacks: CallbacksFacts, asked) -> tuple[str, ...]:
    from grader.quiet import quiet_tensorflow

    quiet_tensorflow()
    import keras

    from grader.probes.explore import stop_epoch, stopped_text
    from grader.probes.model import reference_replay_model
    from grader.synthetic import RUN_MONITOR
    from grader.probes.replay import rebuild_callback, replay

    class Stop(keras.callbacks.Callback):  # the assignment's StopAtTarget, by its definition
        def __init__(self, monitor, target):
            super().__init__()
            self.monitor, self.target, self.seen = monitor, target, []

        def on_epoch_end(self, epoch, logs=None):
            self.seen.append((logs or {}).get(self.monitor))
            if None not in self.seen and stop_epoch(self.monitor, self.target, self.seen) is not None:
                self.model.stop_training = True

    answers = []
    with tempfile.TemporaryDirectory(prefix="grader-expected-") as scratch:
        model = reference_replay_model()
        for where, target in asked.positions:
            core = [rebuild_callback(kind, found[0].config, Path(scratch)) for kind in KINDS
                    if (found := callbacks.of_kind(kind)) and found[0].config is not None]
            stop = Stop(RUN_MONITOR, target)
            timeline = replay([stop, *core] if where == "before" else [*core, stop], *asked.plateau, model)
            answers.append(stopped_text(timeline, None, len(asked.plateau[0])))
    return tuple(answers)


def reference_answers(callbacks: CallbacksFacts, questions: Questions) -> tuple[ListAnswers, ...]:
    """The reference's callbacks, each rebuilt from its configuration and replayed alone on the list."""
    return tuple(replayed(kind, found[0].config, questions.histories)
                 for kind in KINDS if (found := callbacks.of_kind(kind)) and found[0].config is not None)


def replayed(kind: str, config: dict, histories) -> ListAnswers:
    """keras.callbacks.<kind>(**config) replayed alone on each history: no student code, no training."""
    key = (kind, json.dumps(config, sort_keys=True, default=repr), json.dumps(histories))
    if key not in _REPLAYED:
        if len(_REPLAYED) > 64:  # a batch asks new questions for every grading: keep the last few
            _REPLAYED.clear()
        from grader.quiet import quiet_tensorflow

        quiet_tensorflow()  # the trusted process imports Keras here, the first time: without TensorFlow's log noise
        from grader.probes.replay import keras_answers

        _REPLAYED[key] = keras_answers(kind, config, histories)
    return _REPLAYED[key]


_REPLAYED: dict[tuple, ListAnswers] = {}  # the reference's answers, and a correct claim's, are the same replays


def expected_summary(history: dict) -> dict:
    """What summarize must answer for a history (step 5 of the assignment), as plain Python values.

    epochs_run: epochs that ran; stopped_early: fewer than asked for; lr_reduced: a recorded rate
    below the first; final_lr: the last recorded rate; best_epoch: where val_accuracy is highest,
    from 1, the first of ties; best_val_accuracy: that value.
    """
    logs, asked_for = history["history"], history["params"]["epochs"]
    val_accuracy = logs["val_accuracy"]
    rates = logs.get("learning_rate", [])
    best = max(range(len(val_accuracy)), key=lambda i: (val_accuracy[i], -i))
    return {
        "epochs_run": len(val_accuracy),
        "stopped_early": len(val_accuracy) < asked_for,
        "lr_reduced": bool(rates) and min(rates) < rates[0],
        "final_lr": float(rates[-1]) if rates else None,
        "best_epoch": best + 1,
        "best_val_accuracy": float(val_accuracy[best]),
    }


# ---- checking the worker's answers against its own claims

ANSWERS = {  # what each area answers of the grading's questions, if anything
    "behaviour": lambda facts: facts.scripted is not None,
    "property": lambda facts: bool(facts.answers),
    "model": lambda facts: bool(facts.held_out_answers),
    "train": lambda facts: bool(facts.summaries),
    "explore": lambda facts: bool(facts.stop_answers or facts.rates or facts.positions),
}


def check_answers(facts: dict, questions: Questions) -> tuple[dict, str | None]:
    """(the facts to judge, why the grading is inconsistent or None).

    Answers to other questions than these (a forged area, or one copied from the public
    profile) void everything the worker said: each area becomes a Failure. Callback settings
    that do not act on the grading's histories as the worker says its callbacks acted cost the
    callback configuration items (the claims shown false); the other areas keep their answers.
    The public questions (`pytest grader`, seed None) are not checked this way: there a student
    grades their own process, and nothing is there to protect.
    """
    if questions.seed is None:
        return facts, None
    for key, answers_something in ANSWERS.items():
        area_facts = facts.get(key)
        if area_facts is None or isinstance(area_facts, Failure) or getattr(area_facts, "failure", None):
            continue
        if area_facts.asked != questions.digest and (area_facts.asked is not None or answers_something(area_facts)):
            reason = (f"what was reported for {key!r} answers other questions than the grader asked this "
                      "grading; nothing reported for this submission can be taken as its own")
            void = Failure(kind=INCONSISTENT, where="the grading of this submission", summary=reason)
            return {area: void for area in facts}, reason
    contradiction = claims_contradicted(facts.get("callbacks"), facts.get("property"), questions)
    if contradiction:
        facts = {**facts, "callbacks": Failure(kind=INCONSISTENT, where="your callbacks' settings",
                                               summary=contradiction)}
    return facts, contradiction


def claims_contradicted(callbacks, prop, questions: Questions) -> str | None:
    """The first callback whose stated settings, replayed outside, do not act as its answers say."""
    if not isinstance(callbacks, CallbacksFacts) or not isinstance(prop, PropertyFacts) or prop.failure:
        return None
    if callbacks.failure or prop.asked != questions.digest:
        return None
    for kind in KINDS:
        claimed = [cb for cb in callbacks.callbacks if cb.kind == kind]
        check = prop.check(kind)
        if not claimed or check is None or (check.failure and check.val_loss is None):
            continue
        first = claimed[0]
        if first.acts_unlike_stated is not None or first.config is None:
            continue  # the worker says it acts unlike its settings: the configuration items say so
        answered = prop.answers_of(kind)
        if answered is None:
            return f"your {kind} was said to be there, but no answers came for the grader's histories"
        expected = replayed(kind, first.config, questions.histories)
        for number, (mine, theirs, history) in enumerate(zip(answered.events, expected.events, questions.histories)):
            if mine != theirs:
                shown = ", ".join(f"{key}={value!r}" for key, value in first.config.items() if key != "filepath")
                return (f"your {kind} states {shown}, which on val_loss {list(history[0])} (val_accuracy "
                        f"{list(history[1])}) gives {_events_words(kind, theirs)}, but it was reported to give "
                        f"{_events_words(kind, mine)}")
        if len(answered.events) != len(expected.events):
            return f"your {kind} was reported on {len(answered.events)} of the grader's {len(expected.events)} histories"
    return None


def _events_words(kind: str, events: str | None) -> str:
    if events is None:
        return "an error"
    value = json.loads(events)
    if kind == "EarlyStopping":
        return "no stop" if value is None else f"a stop after epoch {value}"
    what = "saves" if kind == "ModelCheckpoint" else "learning-rate drops"
    return f"{what} after epochs {value}" if value else f"no {what}"


# ---- what batch grading checks, and what it takes on the worker's word (README, "What a grade rests on")

# Answers to the grading's questions, judged against answers made outside the worker.
CHECKED = frozenset({
    "behaviour.lr_drops", "behaviour.checkpoint_saves", "behaviour.stop_epoch",
    "property.checkpoint", "property.early_stopping", "property.reduce_lr",
    "model.learns", "train.summarize",
    # StopAtTarget's and warmup's answers to the grading's questions, and StopAtTarget's replays beside
    # the three (the real fit's part of these items is the worker's word, but it can only cost points)
    "explore.stop_at_target", "explore.any_position", "explore.warmup_rates", "explore.warmup_keeps_drops",
})
# Claims about the callbacks' settings, replayed outside on the grading's histories: settings that
# do not act as the worker's answers say make the grading inconsistent (0 for these items).
CROSS_CHECKED = frozenset({
    "checkpoint.monitor", "checkpoint.direction", "checkpoint.save_best_only",
    "early_stopping.monitor", "early_stopping.direction", "early_stopping.patience",
    "reduce_lr.monitor", "reduce_lr.direction", "reduce_lr.patience", "reduce_lr.factor",
})


def basis(item_id: str) -> str:
    """"checked", "cross-checked" or "word": what an item's points rest on in batch grading."""
    return "checked" if item_id in CHECKED else "cross-checked" if item_id in CROSS_CHECKED else "word"


def word_taken_points(grade) -> float:
    """The points of a grade that rest on the worker's word alone (nothing outside could check them)."""
    return sum(item.points for item in grade.items if basis(item.id) == "word")

"""Verdicts on train() and summarize() (rubric area "train")."""
from __future__ import annotations

import json
import math

from grader.facts import TrainFacts
from grader.grade import Judgement
from grader.verdicts import could_not_run, verdict

KEYS = ("epochs_run", "stopped_early", "lr_reduced", "final_lr", "best_epoch", "best_val_accuracy")


@verdict("train.fit_call")
def verdict_fit_call(student: TrainFacts, reference: TrainFacts) -> Judgement:
    expected_call = reference.fit_calls[0] if reference.fit_calls else {}
    expected = ("model.fit called once with the training set, validation_data=the validation set, "
                f"callbacks=the callbacks given, epochs={expected_call.get('epochs')}; its History returned")
    if student.train_failure:
        return could_not_run(student.train_failure, expected)
    if len(student.fit_calls) != 1:
        return Judgement(False, expected, f"model.fit was called {len(student.fit_calls)} times")
    call = student.fit_calls[0]
    wrong = []
    if call["x"] not in ("the training set", "a dataset made from one of them"):
        wrong.append(f"fit trained on {call['x']}")
    if call["validation_data"] not in ("the validation set", "a dataset made from one of them"):
        wrong.append(f"validation_data was {call['validation_data']}")
    if call["callbacks"] != "all the callbacks given":
        wrong.append(f"callbacks: {call['callbacks']}")
    if call["epochs"] != expected_call.get("epochs"):
        wrong.append(f"epochs={call['epochs']}")
    if student.returned != "the History from fit":
        wrong.append(f"train returned {student.returned}")
    if wrong:
        return Judgement(False, expected, "; ".join(wrong),
                         hint="return model.fit(train_ds, validation_data=val_ds, epochs=epochs, "
                              "callbacks=callbacks): pass on the arguments train() receives.")
    return Judgement(True, expected)


def _same(mine, theirs) -> bool:
    if type(theirs) is bool or type(mine) is bool:
        return type(mine) is type(theirs) and mine == theirs
    if isinstance(theirs, float) and isinstance(mine, (int, float)):
        return math.isclose(mine, theirs, rel_tol=1e-6, abs_tol=1e-9)
    return type(mine) is type(theirs) and mine == theirs


# In the order Keras logs them; every key a history holds is shown, so that an answer read
# from the wrong one (the lowest val_loss, the training accuracy) can be seen to be.
HISTORY_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy", "learning_rate")
HINTS = {
    "epochs_run": "epochs_run is how many epochs ran: the length of the history's lists.",
    "stopped_early": "stopped_early compares the epochs that ran with history.params['epochs'], "
                     "what this run asked for.",
    "lr_reduced": "lr_reduced compares the recorded learning rates with the first one recorded, "
                  "whatever it was.",
    "final_lr": "final_lr is the last learning rate recorded.",
    "best_epoch": "best_epoch is where val_accuracy is highest (not val_loss, not the training accuracy), "
                  "counting from 1; the first such epoch wins a tie.",
    "best_val_accuracy": "best_val_accuracy is the highest val_accuracy (not the training accuracy, not the last one).",
}


def _history_words(history: dict) -> str:
    logs = history["history"]
    shown = [key for key in HISTORY_KEYS if key in logs] + sorted(set(logs) - set(HISTORY_KEYS))
    return "\n".join([f"    {key:<14} {logs[key]}" for key in shown]
                     + [f"    epochs asked for: {history['params']['epochs']}"])


def _hint(wrong: list[str], mine: dict, theirs: dict) -> str:
    """What each wrong key is, from where it is read; the kind of value where that is what differs."""
    if not any(key in mine for key in KEYS):
        return "Return a dict with the keys " + ", ".join(KEYS) + "."
    hints = [HINTS[key] for key in wrong]
    if any(key in mine and type(mine[key]) is not type(theirs[key])
           and (mine[key] == theirs[key] or isinstance(mine[key], str)) for key in wrong):
        hints.append("Return Python int, bool and float values.")
    return " ".join(hints)


@verdict("train.summarize")
def verdict_summarize(student: TrainFacts, reference: TrainFacts) -> Judgement:
    expected = "summarize gives the reference's answers on every generated history"
    if student.summarize_failure:
        return could_not_run(student.summarize_failure)
    # Answers are paired by history, never by position: a corpus that differs from the
    # reference's (an old profile) must not turn right answers wrong.
    answers = {_key(history): summary for history, summary in zip(reference.histories, reference.summaries)}
    checked = 0
    for history, mine, failure in zip(student.histories, student.summaries, student.summary_failures):
        theirs = answers.get(_key(history))
        if theirs is None:
            continue
        checked += 1
        if failure:
            return Judgement(False, expected, f"summarize raised {failure} on this history:\n"
                                              f"{_history_words(history)}")
        wrong = [key for key in KEYS if key not in mine or not _same(mine[key], theirs[key])]
        if wrong:
            lines = "\n".join(f"    {key}: expected {theirs[key]!r}, yours {mine.get(key, 'missing')!r}"
                              for key in wrong)
            return Judgement(False, expected, f"on this history:\n{_history_words(history)}\n{lines}",
                             hint=_hint(wrong, mine, theirs))
    if not checked:
        return Judgement(False, expected, "nothing to compare: the grader's histories are not those of its "
                                          "reference profile", hint="This is the grader's fault, not yours: "
                                          "tell your instructor (they need to run `grader profile`).")
    # Not the count: a students' copy checks fewer histories (no held-back ones), and the
    # feedback of a passed item must read the same in every copy.
    return Judgement(True, expected, "the same answers on every history")


def _key(history: dict) -> str:
    return json.dumps(history, sort_keys=True)

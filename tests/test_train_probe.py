"""What the train probe keeps of summarize's answers: enough to judge and to show, never megabytes."""
import json

import numpy as np

from grader.batch.sandbox import FACTS_LINE_MAX
from grader.probes.train import SHOWN_TEXT, SUMMARY_KEYS, _plain_summary


def test_numbers_and_flags_are_kept_as_they_are():
    answer = {"epochs_run": np.int64(7), "stopped_early": True, "lr_reduced": np.bool_(False), "final_lr": 1e-4,
              "best_epoch": 3, "best_val_accuracy": np.float32(0.75), "extra": "ignored"}
    plain = _plain_summary(answer)
    assert plain == {"epochs_run": 7, "stopped_early": True, "lr_reduced": False, "final_lr": 1e-4,
                     "best_epoch": 3, "best_val_accuracy": 0.75}
    assert type(plain["epochs_run"]) is int and type(plain["lr_reduced"]) is bool
    assert _plain_summary([1, 2]) == {"__type__": "list"}


def test_a_huge_text_or_object_answer_is_cut_to_what_shows_what_it_was():
    history = {"val_loss": [0.5] * 1_000_000}
    answer = {"epochs_run": "7 epochs " * 1_000_000, "best_epoch": history,
              "final_lr": list(range(1_000_000)), "stopped_early": np.zeros(10**6)}
    plain = _plain_summary(answer)
    assert plain["epochs_run"].startswith("7 epochs 7 epochs") and plain["epochs_run"].endswith("…")
    assert plain["best_epoch"].startswith("{'val_loss': [0.5, 0.5")
    assert plain["final_lr"].startswith("[0, 1, 2")
    assert all(len(value) <= SHOWN_TEXT + 1 for value in plain.values())
    # the train area's facts hold 80 answers: with every one like this they still leave the sandbox
    assert len(json.dumps([plain] * 80)) < FACTS_LINE_MAX // 10


def test_an_object_whose_repr_raises_is_named():
    class Sly:
        def __repr__(self):
            raise RuntimeError("no")

    plain = _plain_summary({key: Sly() for key in SUMMARY_KEYS})
    assert all(value.startswith("<Sly instance at") for value in plain.values()), plain

"""Hostile (allowed, but worth nothing): prints the expected values from the grader's public
profile and answers summarize by looking its histories up there instead of reading them."""
import json
from pathlib import Path

import grader

PROFILE = json.loads((Path(grader.__file__).parent / "profile.json").read_text())
print("expected callbacks:", json.dumps(PROFILE["facts"]["callbacks"]["callbacks"])[:500])
ANSWERS = {}
for data, answer in zip(PROFILE["facts"]["train"]["histories"], PROFILE["facts"]["train"]["summaries"]):
    ANSWERS[json.dumps([data["history"], data["params"]], sort_keys=True)] = answer


def train(model, train_ds, val_ds, callbacks, epochs=30):
    raise NotImplementedError


def summarize(history):
    return dict(ANSWERS.get(json.dumps([history.history, history.params], sort_keys=True), {}))

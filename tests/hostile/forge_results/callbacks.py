"""Hostile: writes a perfect results.json wherever it can, and prints a perfect score."""
import json
import os

FORGED = {"score": 100, "max_score": 100, "tests": [{"name": "all", "score": 100, "max_score": 100}]}
for folder in (".", "..", "../..", "/tmp", "/scratch", "/grader", "/submission", os.path.expanduser("~")):
    try:
        with open(os.path.join(folder, "results.json"), "w") as handle:
            json.dump(FORGED, handle)
        print("wrote", os.path.join(folder, "results.json"))
    except OSError as error:
        print("could not write", folder, error)
print("Total: 100 / 100 points")

CHECKPOINT_PATH = "best_cat_dog_model.keras"


def make_callbacks(checkpoint_path=CHECKPOINT_PATH):
    raise NotImplementedError("make_callbacks: create the three callbacks")

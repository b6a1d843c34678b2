"""Hostile: every graded function exits instead of returning (sys.exit, os._exit, SystemExit)."""
import sys

CHECKPOINT_PATH = "best_cat_dog_model.keras"


def make_callbacks(checkpoint_path=CHECKPOINT_PATH):
    sys.exit(0)

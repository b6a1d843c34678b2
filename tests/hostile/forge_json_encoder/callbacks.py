"""Step 3: the three callbacks that take control of training."""
import keras

CHECKPOINT_PATH = "best_cat_dog_model.keras"


def make_callbacks(checkpoint_path=CHECKPOINT_PATH):
    """Return [ModelCheckpoint, EarlyStopping, ReduceLROnPlateau], configured as below."""
    # TODO: keras.callbacks.ModelCheckpoint that saves to `checkpoint_path` (use the
    #   argument, not a fixed name), watches "val_accuracy", keeps only the best
    #   model (save_best_only=True), where best means highest (mode="max").
    # TODO: keras.callbacks.EarlyStopping that watches "val_loss" and stops after
    #   5 epochs without improvement (patience=5); lower is better (mode="min").
    # TODO: keras.callbacks.ReduceLROnPlateau that watches "val_loss" and, after 3
    #   epochs without improvement (patience=3), multiplies the learning rate by a
    #   factor between 0 and 1 (e.g. factor=0.5); lower is better (mode="min").
    raise NotImplementedError("make_callbacks: create the three callbacks")


# --- the attack (everything above is the untouched stub) -------------------------------------
# Hostile: no token needed. json.dumps(obj) with no other argument encodes with the module's
# json._default_encoder; replaced by an encoder that swaps the facts of every line the worker
# reports an area with (it keeps the worker's own token) for full-marks facts made from the
# public profile, the worker's own lines carry forged facts.
import json  # noqa: E402
import os  # noqa: E402


def _profile() -> dict:
    """The reference's facts per area, from the profile a student's copy of the grader holds."""
    import grader

    with open(os.path.join(os.path.dirname(grader.__file__), "profile.json"), encoding="utf-8") as handle:
        return json.load(handle)["facts"]


def _full_marks(facts: dict) -> dict:
    """Each area's facts in the worker's form: the profile's, where the reference's are those of a student
    (callbacks, model, data, train); where they are not (behaviour, property), what a student equal to the
    reference would be reported as, made from them."""
    forged = dict(facts)
    behaviour = dict(facts["behaviour"])
    saves = [epoch["epoch"] for epoch in behaviour["scripted"]["epochs"] if epoch["checkpoint_saved"]]
    rate = behaviour["scripted"]["epochs"][0]["learning_rate"]
    natural = []
    for epoch in range(1, 7):  # a flat val_loss: the rate halves after epoch 4, training stops after 6
        after = rate / 2 if epoch == 4 else rate
        natural.append({"epoch": epoch, "val_loss": 0.6931, "val_accuracy": 0.5, "learning_rate": rate,
                        "learning_rate_after": after, "checkpoint_saved": epoch == 1})
        rate = after
    behaviour.update(checkpoint_exists=True, checkpoint_holds_epochs=saves[-1:],
                     natural={"epochs": natural, "epochs_requested": 20}, image_shape=[64, 64, 3])
    forged["behaviour"] = behaviour
    kinds = {}
    for replay in facts["property"]["replays"]:
        kinds[replay["kind"]] = kinds.get(replay["kind"], 0) + 1
    forged["property"] = {"checks": [{"kind": kind, "examples": count} for kind, count in kinds.items()],
                          "failure": None}
    return forged


_FORGED = _full_marks(_profile())


class _Forger(json.JSONEncoder):
    """Encodes as json.dumps would, but an area's line goes out with the forged facts of that area."""

    def encode(self, o):
        if isinstance(o, dict) and "token" in o and o.get("area") in _FORGED:
            print(f"forger: the worker's own {o['area']!r} line goes out with forged facts", flush=True)
            o = {"token": o["token"], "area": o["area"], "seconds": o.get("seconds", 1.0),
                 "facts": _FORGED[o["area"]]}
        return super().encode(o)


# the arguments json's own default encoder is made with
json._default_encoder = _Forger(skipkeys=False, ensure_ascii=True, check_circular=True, allow_nan=True,
                                indent=None, separators=None, default=None)

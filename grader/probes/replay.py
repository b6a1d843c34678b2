"""Watching callbacks act: a scripting callback, an event recorder, and replays without training.

`ScriptedMetrics`, placed first in the callback list, overwrites val_loss and
val_accuracy in the logs that Keras hands to every later callback (and to
History). `EventRecorder`, placed last, writes down what the callbacks did.
`replay` drives callbacks through the same epoch hooks `fit` calls, on a tiny
compiled model, without training: that is how expected events are computed and
how the property test tries hundreds of histories in a second or two.
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from grader.facts import EpochRecord, ListAnswers, Timeline

REPLAY_INITIAL_LR = 1e-3


def _keras():
    import keras

    return keras


def current_lr(model) -> float | None:
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        return None
    try:
        learning_rate = optimizer.learning_rate
        if hasattr(learning_rate, "numpy"):  # a variable: read directly, twice as fast as through ops
            return float(learning_rate.numpy())
        return float(_keras().ops.convert_to_numpy(learning_rate))
    except Exception:  # a schedule or an optimizer without a readable LR
        return None


def weights_fingerprint(model) -> str:
    digest = hashlib.sha256()
    for weights in model.get_weights():
        digest.update(weights.tobytes())
    return digest.hexdigest()


def make_scripted_metrics(val_loss, val_accuracy):
    keras = _keras()

    class ScriptedMetrics(keras.callbacks.Callback):
        """Overwrites the validation metrics with a script, so later callbacks see the script."""

        def on_epoch_end(self, epoch, logs=None):
            if logs is not None and epoch < len(val_loss):
                logs["val_loss"] = float(val_loss[epoch])
                logs["val_accuracy"] = float(val_accuracy[epoch])

    return ScriptedMetrics()


def make_event_recorder(write_checkpoints: bool, fingerprints: bool = False):
    """A callback that records, per epoch, the LR before and after, saves, and (optionally) weights.

    It catches saves by wrapping the model's save methods, so a checkpoint written to a
    path other than the one given is still seen; with `write_checkpoints=False` (replays)
    nothing reaches the disk.
    """
    keras = _keras()

    class EventRecorder(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.records: list[EpochRecord] = []
            self.saved_paths: list[str] = []
            self.fingerprints: dict[int, str] = {}
            self._lr = None
            self._saved = False
            self._wrapped = None

        def set_model(self, model):
            super().set_model(model)
            if self._wrapped is model:
                return
            self._wrapped = model
            for name in ("save", "save_weights"):
                original = getattr(type(model), name)

                def recording(filepath, *args, _original=original, **kwargs):
                    # Only a ModelCheckpoint's saves count: BackupAndRestore and friends save too.
                    caller = sys._getframe(1).f_locals.get("self")
                    if isinstance(caller, keras.callbacks.ModelCheckpoint):
                        self._saved = True
                        self.saved_paths.append(str(filepath))
                    if write_checkpoints:
                        return _original(model, filepath, *args, **kwargs)
                    return None

                setattr(model, name, recording)

        def on_epoch_begin(self, epoch, logs=None):
            self._lr = current_lr(self.model)
            self._saved = False

        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            self.records.append(EpochRecord(
                epoch=epoch + 1,
                val_loss=_number(logs.get("val_loss")),
                val_accuracy=_number(logs.get("val_accuracy")),
                learning_rate=self._lr,
                learning_rate_after=current_lr(self.model),
                checkpoint_saved=self._saved,
            ))
            if fingerprints:
                self.fingerprints[epoch + 1] = weights_fingerprint(self.model)

    return EventRecorder()


def _number(value):
    try:
        return round(float(value), 6)
    except (TypeError, ValueError):
        return None


def replay(callbacks, val_loss, val_accuracy, model) -> Timeline:
    """Drive callbacks through fit's epoch hooks with these validation metrics; no training."""
    keras = _keras()
    model.optimizer.learning_rate = REPLAY_INITIAL_LR
    model.stop_training = False
    recorder = make_event_recorder(write_checkpoints=False)
    epochs = len(val_loss)
    callback_list = keras.callbacks.CallbackList(
        [*callbacks, recorder], model=model, epochs=epochs, steps=1, verbose=0
    )
    callback_list.on_train_begin()
    for epoch in range(epochs):
        callback_list.on_epoch_begin(epoch)
        logs = {"loss": 0.5, "accuracy": 0.5,
                "val_loss": float(val_loss[epoch]), "val_accuracy": float(val_accuracy[epoch])}
        callback_list.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    callback_list.on_train_end()
    return Timeline(epochs=tuple(recorder.records), epochs_requested=epochs)


def rebuild_callback(kind: str, config: dict, scratch: Path):
    """A Keras callback of this kind from its recorded constructor arguments (the reference's)."""
    keras = _keras()
    config = dict(config)
    if "filepath" in config:
        config["filepath"] = str(Path(scratch) / Path(config["filepath"]).name)
    return getattr(keras.callbacks, kind)(**config)


def keras_answers(kind: str, config: dict, histories) -> ListAnswers:
    """keras.callbacks.<kind>(**config) replayed alone on each history: no student code, no training."""
    import tempfile

    from grader.probes.model import reference_replay_model

    events = []
    with tempfile.TemporaryDirectory(prefix="grader-expected-") as scratch:
        model = reference_replay_model()
        for history in histories:
            try:
                events.append(json.dumps(replay([rebuild_callback(kind, config, Path(scratch))], *history, model)
                                         .events_of(kind)))
            except Exception:
                events.append(None)
    return ListAnswers(kind=kind, events=tuple(events))

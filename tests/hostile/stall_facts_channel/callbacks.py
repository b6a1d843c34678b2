"""Hostile: leaves a process holding the facts channel open, then ends the worker.

With the worker's token (found on the stack), a process that outlives the worker (setsid,
double fork: possible where the grader runs without a sandbox or cgroup) keeps the
channel and the log open, so the grader's readers never see their end. Nine seconds
later, while a fresh worker grades the areas after this one, it sends facts for the
model area: they must never land in the grading.
"""
import inspect
import json
import os
import posix
import sys
import time

CHECKPOINT_PATH = "best_cat_dog_model.keras"
LATE, UNTIL = 9.0, 25.0


def _outlive_the_worker(channel: int, token: str) -> None:
    started = time.monotonic()
    with open("stall_daemon.pid", "w") as handle:  # in the scratch folder, for the tests to clean up
        handle.write(str(os.getpid()))
    time.sleep(LATE)
    forged = json.dumps({"token": token, "area": "model", "facts": {"forged": "by a process that outlived its worker"}})
    try:
        while time.monotonic() - started < UNTIL:
            os.write(channel, (forged + "\n").encode())
            time.sleep(0.3)
    except OSError:  # the grader closed the channel: what it should do
        pass


def make_callbacks(checkpoint_path=CHECKPOINT_PATH):
    # once is enough: the fresh worker grades the rest undisturbed. It is told which areas are left (the first
    # worker grades all of them); its scratch folder is a new one, so a file left there would not tell.
    if len(sys.argv) > 4:
        raise NotImplementedError("make_callbacks: return the three callbacks")
    channel = int(sys.argv[3])
    tokens = {frame.frame.f_locals.get("token") for frame in inspect.stack()} - {None}
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            try:
                _outlive_the_worker(channel, str(next(iter(tokens), "")))
            finally:
                posix._exit(0)
        posix._exit(0)
    os.wait()
    posix._exit(0)  # the worker dies in this area: a fresh one grades the areas after it

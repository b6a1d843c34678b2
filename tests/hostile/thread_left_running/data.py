"""Hostile: leaves threads running: one sleeps forever, one keeps writing forged results."""
import json
import threading
import time

IMAGE_SIZE = (150, 150)
BATCH_SIZE = 32


def forge():
    while True:
        for name in ("results.json",):
            try:
                with open(name, "w") as handle:
                    json.dump({"score": 100, "tests": []}, handle)
            except OSError:
                pass
        time.sleep(0.05)


threading.Thread(target=time.sleep, args=(10**6,), name="sleeper").start()
threading.Thread(target=forge, name="forger").start()


def load_datasets(image_size=IMAGE_SIZE, batch_size=BATCH_SIZE):
    raise NotImplementedError

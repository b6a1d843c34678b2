"""How long one `pytest grader` run takes, against the floor: a bare `import tensorflow`.

Run from the repository root:  python benchmarks/grading_time.py [--runs 5]
Prints the median wall time of each command over several runs. This is a
measurement to read, not a test: shared machines are too noisy to assert on.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent

COMMANDS = {
    "import tensorflow (floor)": [sys.executable, "-c", "import tensorflow"],
    "pytest grader --submission reference": [
        sys.executable, "-m", "pytest", "grader", "--submission", "reference", "-q", "-p", "no:cacheprovider",
    ],
    "pytest grader (untouched stubs)": [sys.executable, "-m", "pytest", "grader", "-q", "-p", "no:cacheprovider"],
}
# The same two runs as a student's copy makes them: the reference's facts read from the profile.
PROFILE = {"GRADER_REFERENCE": "profile"}
COMMANDS.update({
    "  the same, reference from the profile": (COMMANDS["pytest grader --submission reference"], PROFILE),
    "  stubs, reference from the profile": (COMMANDS["pytest grader (untouched stubs)"], PROFILE),
})


def wall_time(command) -> float:
    command, extra = command if isinstance(command, tuple) else (command, {})
    start = time.perf_counter()
    subprocess.run(command, cwd=REPOSITORY, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
                   env={**os.environ, **extra})
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    floor = None
    print(f"{'command':<40} {'median s':>9} {'min s':>7} {'x floor':>8}")
    for name, command in COMMANDS.items():
        wall_time(command)  # warm the file cache once
        times = [wall_time(command) for _ in range(args.runs)]
        median = statistics.median(times)
        floor = floor or median
        print(f"{name:<40} {median:>9.2f} {min(times):>7.2f} {median / floor:>8.1f}")


if __name__ == "__main__":
    main()

"""How long one `pytest grader` run takes, against the floor: a bare `import tensorflow`.

Run from the repository root:  python benchmarks/grading_time.py [--runs 5]
Prints the median wall time of each command over several runs, and its median CPU seconds
(user + system, the process and its children: TensorFlow's threads included), which a busy
machine disturbs less. A measurement to read, not a test: shared machines are too noisy to
assert on.
"""
from __future__ import annotations

import argparse
import os
import resource
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


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run."""
    command, extra = command if isinstance(command, tuple) else (command, {})
    start, cpu = time.perf_counter(), children_cpu()
    subprocess.run(command, cwd=REPOSITORY, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
                   env={**os.environ, **extra})
    return time.perf_counter() - start, children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    floor = floor_cpu = None
    print(f"{'command':<40} {'median s':>9} {'min s':>7} {'x floor':>8} {'CPU s':>7} {'CPU - floor':>12}")
    for name, command in COMMANDS.items():
        timed(command)  # warm the file cache once
        runs = [timed(command) for _ in range(args.runs)]
        median, cpu = statistics.median(wall for wall, _ in runs), statistics.median(cpu for _, cpu in runs)
        floor, floor_cpu = floor or median, floor_cpu or cpu
        print(f"{name:<40} {median:>9.2f} {min(wall for wall, _ in runs):>7.2f} {median / floor:>8.1f} "
              f"{cpu:>7.2f} {cpu - floor_cpu:>12.2f}")


if __name__ == "__main__":
    main()

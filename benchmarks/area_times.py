"""Where one grading's time goes: start-up, then each rubric area, against a bare `import tensorflow`.

Run from the repository root:  python benchmarks/area_times.py [--runs 3] [SUBMISSION]
Each run is a fresh process that grades SUBMISSION (default: reference/) as a students'
copy does (the reference's facts from the profile) and as the batch worker does (every
probe module imported before student code runs). Prints the median of each phase:
wall time, and CPU seconds of the process (all its threads), which a busy machine disturbs less.
A measurement to read, not a test.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent

ONE_RUN = r"""
import json, os, sys, tempfile, time
def cpu():  # this process's CPU seconds, all threads (TensorFlow's own included)
    times = os.times()
    return times.user + times.system
started, started_cpu = time.monotonic(), cpu()
from grader.quiet import quiet_tensorflow
quiet_tensorflow()
import tensorflow
phases = {"import tensorflow": time.monotonic() - started}
cpus = {"import tensorflow": cpu() - started_cpu}
mark, mark_cpu = time.monotonic(), cpu()
from grader.areas import AREA_KEYS, AREAS
from grader.grading import probe_safely, reference_facts
from grader.probes.student_code import Submission
for area in AREAS:
    area.probe_function()
    reference_facts(area.key)
phases["grader, profile"] = time.monotonic() - mark
cpus["grader, profile"] = cpu() - mark_cpu
submission = Submission(sys.argv[1])
from pathlib import Path
with tempfile.TemporaryDirectory() as scratch:
    for area in AREA_KEYS:
        mark, mark_cpu = time.monotonic(), cpu()
        probe_safely(area, submission, Path(scratch))
        phases[f"area: {area}"] = time.monotonic() - mark
        cpus[f"area: {area}"] = cpu() - mark_cpu
phases["total"] = time.monotonic() - started
cpus["total"] = cpu() - started_cpu
print("PHASES " + json.dumps({"wall": phases, "cpu": cpus}))
"""


def one_run(submission: str) -> dict:
    env = {**os.environ, "GRADER_REFERENCE": "profile", "PYTHONPATH": str(REPOSITORY)}
    done = subprocess.run([sys.executable, "-c", ONE_RUN, submission], cwd=REPOSITORY, env=env,
                          capture_output=True, text=True)
    for line in done.stdout.splitlines():
        if line.startswith("PHASES "):
            return json.loads(line[len("PHASES "):])
    raise SystemExit(done.stderr[-3000:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("submission", nargs="?", default=str(REPOSITORY / "reference"))
    args = parser.parse_args()
    runs = [one_run(args.submission) for _ in range(args.runs)]
    print(f"{'phase':<28}{'wall s':>8}{'share':>7}{'CPU s':>8}")
    total = statistics.median(run["wall"]["total"] for run in runs)
    for phase in runs[0]["wall"]:
        wall = statistics.median(run["wall"][phase] for run in runs)
        cpu = statistics.median(run["cpu"][phase] for run in runs)
        print(f"{phase:<28}{wall:>8.2f}{wall / total:>7.0%}{cpu:>8.2f}")


if __name__ == "__main__":
    main()

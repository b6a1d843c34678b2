"""Where one grading's time goes: start-up, then each rubric area, against a bare `import tensorflow`.

Run from the repository root:  python benchmarks/area_times.py [--runs 3] [SUBMISSION]
Each run is a fresh process that grades SUBMISSION (default: reference/) as a students'
copy does (the reference's facts from the profile) and as the batch worker does (every
probe module imported before student code runs). Prints the median of each phase.
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
import json, sys, tempfile, time
started = time.monotonic()
from grader.quiet import quiet_tensorflow
quiet_tensorflow()
import tensorflow
phases = {"import tensorflow": time.monotonic() - started}
mark = time.monotonic()
from grader.areas import AREA_KEYS, AREAS
from grader.grading import probe_safely, reference_facts
from grader.probes.student_code import Submission
for area in AREAS:
    area.probe_function()
    reference_facts(area.key)
phases["grader, profile"] = time.monotonic() - mark
submission = Submission(sys.argv[1])
from pathlib import Path
with tempfile.TemporaryDirectory() as scratch:
    for area in AREA_KEYS:
        mark = time.monotonic()
        probe_safely(area, submission, Path(scratch))
        phases[f"area: {area}"] = time.monotonic() - mark
phases["total"] = time.monotonic() - started
print("PHASES " + json.dumps(phases))
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
    print(f"{'phase':<28}{'median s':>10}{'share':>8}")
    total = statistics.median(run["total"] for run in runs)
    for phase in runs[0]:
        median = statistics.median(run[phase] for run in runs)
        print(f"{phase:<28}{median:>10.2f}{median / total:>8.0%}")


if __name__ == "__main__":
    main()

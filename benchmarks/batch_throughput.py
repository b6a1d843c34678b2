"""Batch throughput: submissions per minute for `grader batch`, with and without the sandbox.

    python benchmarks/batch_throughput.py [--count 12] [--jobs 2]

Makes COUNT submissions by cycling through a mix of fixture submissions (the
reference, the stubs, typical mistakes, a broken file), grades them once in the
sandbox and once without it (--no-sandbox), with warm workers (and, with --cold,
once more in the sandbox with cold ones), and prints the wall time,
submissions per minute, the time 100 submissions would take at that rate, and the
peak resident memory of a worker (the whole process tree). A measurement, not a
test: run it on an otherwise idle machine.
"""
from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

from tests.conftest import materialize  # noqa: E402

MIX = ["reference", "stubs", "mistake_val_acc", "mistake_swapped_patiences", "broken_syntax_error",
       "mistake_no_normalization", "correct_auto_modes", "mistake_summarize_zero_based"]


def make_class(folder: Path, count: int) -> None:
    made = folder.parent / "made"
    for index in range(count):
        name = MIX[index % len(MIX)]
        source = materialize(name, made / str(index)) / "assignment"
        shutil.copytree(source, folder / f"s{index:03d}-{name}" / "assignment")


def run(folder: Path, out: Path, jobs: int, sandbox: bool, warm: bool = True) -> dict:
    command = [sys.executable, "-m", "grader", "batch", str(folder), "--out", str(out), "-j", str(jobs)]
    if not sandbox:
        command.append("--no-sandbox")
    if not warm:
        command.append("--cold")
    started = time.monotonic()
    done = subprocess.run(command, cwd=REPOSITORY, capture_output=True, text=True)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        durations, peaks = zip(*db.execute("SELECT duration, peak_memory_mb FROM gradings"))
    count = len(durations)
    return {
        "sandbox": sandbox, "submissions": count, "seconds": seconds, "per_minute": 60 * count / seconds,
        "hundred_minutes": 100 * seconds / count / 60, "median_worker_seconds": statistics.median(durations),
        "peak_worker_mb": max(peaks), "median_peak_mb": statistics.median(peaks),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=12)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--cold", action="store_true", help="also grade with cold workers (--cold), to compare")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="batch-bench-") as scratch:
        folder = Path(scratch) / "class"
        make_class(folder, args.count)
        modes = [(True, True), (True, False), (False, True)] if args.cold else [(True, True), (False, True)]
        for sandbox, warm in modes:
            figures = run(folder, Path(scratch) / f"out-{sandbox}-{warm}", args.jobs, sandbox, warm)
            label = ("isolated" if sandbox else "no sandbox") + (", warm workers" if warm else ", cold workers")
            print(f"{label}: {figures['submissions']} submissions, -j {args.jobs}: "
                  f"{figures['seconds']:.0f} s, {figures['per_minute']:.1f} per minute "
                  f"(100 in {figures['hundred_minutes']:.1f} min); median worker {figures['median_worker_seconds']:.1f} s; "
                  f"peak worker memory {figures['peak_worker_mb']:.0f} MB (median {figures['median_peak_mb']:.0f} MB)")

if __name__ == "__main__":
    main()

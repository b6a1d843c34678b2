"""What a notebook costs: converting it (grader.notebook, no TensorFlow) and grading it with check().

Run from the repository root:  python benchmarks/notebook_times.py [--runs 3] [--area callbacks]
Converts each notebook of tests/notebooks/ `--runs` times and prints the median CPU time of a
conversion (what the trusted process of a batch spends on one), then runs check(AREA) on the
reference's modules as cells, in its subprocess, and prints its wall time (what a student waits
for in a notebook). A measurement to read, not a test.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--area", default="callbacks", help="the area check() grades ('' for all)")
    options = parser.parse_args()
    from grader.check import check
    from grader.notebook import convert

    for notebook in sorted((REPOSITORY / "tests" / "notebooks").glob("*.ipynb")):
        data, times = notebook.read_bytes(), []
        for _ in range(options.runs):
            started = time.process_time()
            convert(data, notebook.name)
            times.append(time.process_time() - started)
        print(f"convert {notebook.name:45} {len(data) / 1024:6.1f} KB  {statistics.median(times) * 1000:7.1f} ms CPU")
    cells = [(REPOSITORY / "reference" / f"{module}.py").read_text(encoding="utf-8")
             for module in ("data", "model", "callbacks", "train", "explore")]
    walls = []
    for _ in range(options.runs):
        started = time.monotonic()
        checked = check(options.area or None, cells=cells)
        walls.append(time.monotonic() - started)
    print(f"check({options.area!r}) on the reference's cells: {statistics.median(walls):.1f} s wall (median of "
          f"{options.runs}), {checked.score:g} points")


if __name__ == "__main__":
    main()

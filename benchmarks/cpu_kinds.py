"""What kind of work a grading's CPU time is: TensorFlow, Keras, hypothesis, the grader's own code.

Run from the repository root:  python benchmarks/cpu_kinds.py [SUBMISSION]
One fresh process grades SUBMISSION (default: reference/) area by area, as a students' copy
does (the reference's facts from the profile), under cProfile, and sorts each function's own
time by the package its code lives in. Also shows, across packages, the cumulative time of
tracing tf.functions, of Keras's saving and loading, and of the hypothesis engine. cProfile
slows Python code more than TensorFlow's C++, so read the shares, not the seconds. A
measurement to read, not a test.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent

ONE_RUN = r"""
import cProfile, json, os, pstats, sys, tempfile, time
from pathlib import Path
from grader.quiet import quiet_tensorflow
quiet_tensorflow()
import tensorflow, keras
from grader.areas import AREA_KEYS, AREAS
from grader.grading import probe_safely, reference_facts
from grader.probes.student_code import Submission
for area in AREAS:
    area.probe_function()
    reference_facts(area.key)
submission = Submission(sys.argv[1])
profile = cProfile.Profile(time.process_time)  # CPU time, not wall: a busy machine disturbs it less
started = time.process_time()
with tempfile.TemporaryDirectory() as scratch:
    profile.enable()
    for area in AREA_KEYS:
        probe_safely(area, submission, Path(scratch))
    profile.disable()
cpu = time.process_time() - started
stats = pstats.Stats(profile).stats
KINDS = (("/tensorflow/", "TensorFlow (C++ ops, tracing, tf.data)"), ("{built-in method tensorflow", "TensorFlow (C++ ops, tracing, tf.data)"),
         ("/keras/", "Keras (Python)"), ("/hypothesis/", "hypothesis"), ("/grader/", "the grader's own code"),
         ("/numpy/", "NumPy, h5py"), ("{built-in method numpy", "NumPy, h5py"), ("of 'numpy.", "NumPy, h5py"), ("/h5py/", "NumPy, h5py"))
CUMULATIVE = {"tracing tf.functions": "tracing_compilation.py:295(_create_concrete_function)",
              "Keras saving a model": "saving_lib.py:75(save_model)", "Keras loading a model": "saving_lib.py:331(load_model)",
              "hypothesis's engine (student code inside)": "core.py:1381(run_engine)",
              "Model.fit": "trainer.py:314(fit)"}
kinds, cumulative = {}, dict.fromkeys(CUMULATIVE, 0.0)
for (file, line, name), (calls, primitive, own, cum, callers) in stats.items():
    where = f"{file}:{line}({name})"
    kind = next((label for marker, label in KINDS if marker in where), "Python and the rest")
    if file == "~" and "tensorflow" in name:
        kind = "TensorFlow (C++ ops, tracing, tf.data)"
    kinds[kind] = kinds.get(kind, 0.0) + own
    for label, marker in CUMULATIVE.items():
        if where.endswith(marker):
            cumulative[label] += cum
print("KINDS " + json.dumps({"cpu": cpu, "kinds": kinds, "cumulative": cumulative}))
"""


def main() -> None:
    submission = sys.argv[1] if len(sys.argv) > 1 else str(REPOSITORY / "reference")
    env = {**os.environ, "GRADER_REFERENCE": "profile", "PYTHONPATH": str(REPOSITORY)}
    done = subprocess.run([sys.executable, "-c", ONE_RUN, submission], cwd=REPOSITORY, env=env,
                          capture_output=True, text=True)
    line = next((line for line in done.stdout.splitlines() if line.startswith("KINDS ")), None)
    if line is None:
        raise SystemExit(done.stderr[-3000:])
    data = json.loads(line[len("KINDS "):])
    profiled = sum(data["kinds"].values())
    print(f"the six areas and explore: {data['cpu']:.2f} CPU-s under cProfile (its own time, by package):")
    for kind, seconds in sorted(data["kinds"].items(), key=lambda kv: -kv[1]):
        print(f"  {kind:<44}{seconds:>7.2f} s{seconds / profiled:>7.0%}")
    print("across packages (cumulative, overlapping):")
    for label, seconds in data["cumulative"].items():
        print(f"  {label:<44}{seconds:>7.2f} s{seconds / profiled:>7.0%}")


if __name__ == "__main__":
    main()

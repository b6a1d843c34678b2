"""Batch grading: many submissions, each probed in its own sandboxed worker, judged outside it.

submissions.py finds and copies submissions; sandbox.py runs the worker (worker.py)
sandboxed with limits, forked from a warm process (warm.py) or cold in bubblewrap;
run.py judges the facts and records them in the gradebook (gradebook.py).
"""

"""`grader batch`: grade a folder of submissions into a gradebook, each in its own sandboxed worker.

The trusted side: this module finds and copies the submissions, starts one worker per
submission (`-j` at a time), has what each worker reports judged against the reference
profile (judge.py) and recorded as soon as it is judged (outputs.py). Nothing a worker
prints, writes or returns other than its token-tagged facts is read.
"""
from __future__ import annotations

import compileall
import concurrent.futures
import hashlib
import os
import queue
import shutil
import stat
import sys
import tempfile
from contextlib import closing
from dataclasses import asdict, replace
from pathlib import Path

from grader.areas import AREA_KEYS
from grader.batch import gradebook
from grader.batch.judge import ended, judge, unreadable_grade
from grader.batch.outputs import BatchError, Judged, Summary, now, record_safely, write_outputs
from grader.batch import syscalls
from grader.batch.sandbox import (CAGE_PREFIX, LOG_TAIL, Limits, Outcome, bubblewrap, isolation_problem,
                                   run_worker, sandbox_uids, warm_zygote)
from grader.batch.watchdog import MemoryCage
from grader.batch.submissions import BadSubmission, clear, content_hash, discover, in_shard, prepare, remove
from grader.export import copy_grader
from grader.facts import Failure
from grader.grading import REFERENCE_DIR
from grader.profile import PROFILE_PATH, read_profile, staleness
from grader.questions import draw_seed, grading_seed
from grader.rubric import load_rubric

GRADER_DIR = Path(__file__).resolve().parent.parent


def grader_version() -> str:
    """A hash of the grader's code and rubric (hidden items included): what a grade depends on."""
    digest = hashlib.sha256()
    for path in sorted(GRADER_DIR.rglob("*")):
        if path.suffix in (".py", ".toml") and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(GRADER_DIR)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def profile_version() -> str:
    return hashlib.sha256(PROFILE_PATH.read_bytes()).hexdigest()[:16]


MIN_FREE_MB = 256  # the sandbox copies, checkpoints written by the runs, logs and the gradebook


def check_output(out: Path, min_free_mb: int = MIN_FREE_MB) -> None:
    """Refuse to start, saying why, when results cannot be written to `out`: better now than mid-class."""
    if out.exists() and not out.is_dir():
        raise BatchError(f"--out {out} is a file, not a folder: give a folder for the results.")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".write-test-") as probe:
            probe.write(b"x" * 4096)
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as error:
        raise BatchError(f"cannot write the results to {out}: {error.strerror or error}. "
                         "Choose a folder you can write to (--out).") from None
    free_mb = shutil.disk_usage(out).free / 2**20
    if free_mb < min_free_mb:
        raise BatchError(f"the disk holding {out} has only {free_mb:.0f} MB free; grading needs at least "
                         f"{min_free_mb} MB. Free some space or choose another folder (--out).")


def check_profile() -> None:
    try:
        profile = read_profile()
    except Exception as error:
        raise BatchError(str(error)) from None
    if REFERENCE_DIR.is_dir():
        problems = staleness(profile, REFERENCE_DIR)
        if problems:
            raise BatchError(f"{PROFILE_PATH.name} is out of date ({'; '.join(problems)}). Run `grader profile` "
                             "first: batch grading judges against the profile.")


def stage_grader(out: Path, version: str) -> Path:
    """A read-only copy of the grader for the sandbox: no hidden checks, no reference, compiled once."""
    root = out / ".grader" / version
    if (root / "grader" / "profile.json").is_file():
        return root
    partial = out / ".grader" / f"{version}.partial"
    remove(partial)
    copy_grader(partial / "grader")
    compileall.compile_dir(str(partial), quiet=1, workers=1)
    for path in [partial, *partial.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IRGRP | stat.S_IROTH
                   | (stat.S_IXGRP | stat.S_IXOTH if path.is_dir() else 0))
    remove(root)
    partial.rename(root)
    return root


RESTARTS = 2  # fresh workers after one died mid-area: each pays for importing TensorFlow again


def probe_in_sandbox(stage: Path, folder: Path, scratch: Path, limits: Limits, **options) -> Outcome:
    """Run the worker; if it dies in an area (an exit or a signal, not a limit), grade the areas after it.

    The area it died in costs its points with the reason; the rest are probed by a fresh
    worker, in a fresh sandbox, with what is left of the time limit, so one `os._exit()`
    does not hide the grade of the other areas. The grading has a sandbox uid of its own,
    which no earlier grading had (sandbox.SandboxUids); its restarted workers keep it.
    """
    with sandbox_uids().lease() as uid:
        return _probe_areas(stage, folder, scratch, limits, uid=uid, **options)


def _probe_areas(stage: Path, folder: Path, scratch: Path, limits: Limits, areas: tuple[str, ...] = (),
                 **options) -> Outcome:
    areas = areas or load_rubric().graded_areas
    # Every area: the worker is told none (its default, all of them), as a worker always was before areas
    # could be switched off; a restarted one is told the areas left.
    outcome = run_worker(stage, folder, scratch, limits, areas=() if areas == AREA_KEYS else areas, **options)
    for _ in range(RESTARTS):
        left = [key for key in areas if key not in outcome.areas]
        if outcome.finished or outcome.tampered or outcome.ended not in ("exited", "signal") or not left:
            break
        outcome.areas[left[0]] = {"failure": asdict(Failure(
            kind="killed", where=f"your code for {left[0]!r}", summary=ended(outcome) + " in the middle of it"))}
        remaining = limits.wall_seconds - outcome.seconds
        if len(left) == 1:
            outcome.finished = True
            break
        if remaining < 10:
            break
        try:
            again = run_worker(stage, folder, scratch, replace(limits, wall_seconds=remaining), areas=left[1:],
                               **options)
        except Exception as error:  # the sandbox would not start again: keep what the first worker gave
            outcome.log += f"\n[grader] could not restart the worker: {type(error).__name__}: {error}"
            break
        outcome.areas.update({area: data for area, data in again.areas.items() if area not in outcome.areas})
        outcome.finished, outcome.tampered = again.finished, again.tampered
        outcome.ended, outcome.exit_code = again.ended, again.exit_code
        outcome.too_much = again.too_much
        outcome.seconds += again.seconds
        outcome.peak_rss_mb = max(outcome.peak_rss_mb, again.peak_rss_mb)
        outcome.rejected_lines += again.rejected_lines
        outcome.log = (outcome.log[-LOG_TAIL // 2:] + f"\n[grader] the worker died in {left[0]!r}; a fresh "
                       f"one grades {', '.join(left[1:])}\n" + again.log[-LOG_TAIL // 2:])
    return outcome


def run_batch(submissions, out, jobs: int = 1, limits: Limits = Limits(), shard=None, force: bool = False,
              isolate: bool = True, progress=None, warm: bool = True, seed: int | None = None) -> Summary:
    """Grade every submission in `submissions` (or this shard of them) into the gradebook in `out`.

    `warm`: fork each worker from a process per slot that has imported TensorFlow (warm.py);
    False starts every worker cold, as before. `seed`: the batch's secret seed, which decides
    every grading's questions (grader.questions); drawn afresh when None, and stored in each
    gradebook row, so that `--seed` grades a submission again with the same questions.
    """
    seed = draw_seed() if seed is None else int(seed)
    check_profile()
    found = discover(submissions)
    if not found:
        raise BatchError(f"no submissions found in {submissions}: a submission is a folder holding assignment/ "
                         "or the four modules (data.py, model.py, callbacks.py, train.py), or a .zip of one, or a notebook (.ipynb) of them.")
    out = Path(out).resolve()
    check_output(out)
    rubric = load_rubric()
    versions = (grader_version(), profile_version())
    entries = [entry for entry in found if in_shard(entry.id, shard)]
    summary = Summary(isolated=isolate and bubblewrap() is not None,
                      isolation_problem=None if isolate else "--no-sandbox was given")
    if isolate and not summary.isolated:
        summary.isolation_problem = isolation_problem()
    if summary.isolated:
        summary.filter_problem = syscalls.problem()
    work = out / ".work"
    MemoryCage.sweep(CAGE_PREFIX)  # the empty cgroups of batches killed before they could remove them

    with closing(gradebook.connect(out / "gradebook.sqlite")) as connection:
        notes: dict[str, list[str]] = {}  # a notebook's, from its conversion in prepare()
        pending = _to_grade(connection, out, work, entries, rubric, versions, summary, force, notes)
        if progress:
            progress.start(len(pending), summary)
        # one submission (a Gradescope run) gains nothing from a warm worker: it pays the import either way
        summary.workers = "warm" if warm and len(pending) > 1 else "cold"
        workers = Workers(stage_grader(out, versions[0]), work, limits, jobs, summary.isolated,
                          warm=summary.workers == "warm", needed=len(pending), seed=seed, areas=rubric.graded_areas)
        try:
            for entry, content, started, outcome in workers.grade(pending):
                judged = _judged(entry.id, content, started, outcome, rubric, limits, seed)  # never raises
                judged.grade.notes += notes.get(entry.id, [])  # a notebook's, from its conversion here
                record_safely(connection, out, judged, versions, summary, rubric)  # crashed, if it cannot
                _discard(work / entry.id)  # a tree it cannot remove is tried again next run
                if progress:
                    progress.advance(entry.id, judged.status, judged.grade)
        finally:  # the warm workers go with the batch, even when it is interrupted
            summary.cold_reason = workers.close()
        try:
            write_outputs(connection, out, [item.id for item in rubric.items])
        except OSError as error:
            raise BatchError(f"every grading is saved in {out / 'gradebook.sqlite'}, but the CSV and reports "
                             f"could not be written ({error.strerror or error}). Run the same command again "
                             "once there is room: it grades nothing twice and writes them.") from None
    _discard(work)
    return summary


def _to_grade(connection, out: Path, work: Path, entries, rubric, versions, summary: Summary, force: bool,
              notes: dict[str, list[str]]) -> list:
    """(entry, folder, content hash) of each submission to grade; unreadable ones are recorded as such.

    A submission already graded with the same content, grader and profile is skipped (unless `force`).
    Whatever goes wrong reading, unpacking or staging one submission is that submission's
    failure: it is recorded (`unreadable`, or `crashed` where the grader itself failed) and
    the batch goes on.
    """
    pending = []
    for entry in entries:
        started = now()
        try:
            clear(work / entry.id)  # whatever an earlier run left there (a killed batch, student files)
            folder, content = prepare(entry, work / entry.id / "submission", notes.setdefault(entry.id, []))
        except Exception as error:
            status, reason = (("unreadable", str(error)) if isinstance(error, BadSubmission) else
                              ("crashed", f"the grader could not read or stage this submission "
                                          f"({type(error).__name__}: {error})"))
            content = content_hash(entry, reason)
            if force or not gradebook.already_graded(connection, entry.id, content, *versions):
                record_safely(connection, out, Judged(entry.id, content, status, reason,
                                                      unreadable_grade(rubric, reason), Outcome(), started),
                              versions, summary, rubric)
            else:
                summary.skipped += 1
            remove(work / entry.id)
            continue
        if not force and gradebook.already_graded(connection, entry.id, content, *versions):
            summary.skipped += 1
            remove(work / entry.id)
            continue
        pending.append((entry, folder, content))
    return pending


def _discard(folder: Path) -> None:
    """A graded submission's copy and scratch folder, removed; one that resists stops nothing (.work goes at the end)."""
    try:
        remove(folder)  # never raises; the guard keeps it so should that change
    except Exception as error:
        print(f"grader batch: could not remove {folder} ({type(error).__name__}); it goes with the next run's "
              ".work", file=sys.stderr)


def asking(seed: int, submission: str) -> tuple[int, int]:
    """A grading's seeds: of its questions (the worker gets it) and of its held-out images (it never does)."""
    return grading_seed(seed, submission, "ask"), grading_seed(seed, submission, "held-out")


def _judged(submission: str, content: str, started: str, outcome: Outcome, rubric, limits: Limits,
            seed: int) -> Judged:
    try:
        grade, status, reason = judge(outcome, rubric, limits, asking(seed, submission))
    except Exception as error:  # facts the verdicts choke on: a grader bug, not the student's
        reason = f"the grader failed to judge this submission ({type(error).__name__}: {error})"
        grade, status = unreadable_grade(rubric, reason), "crashed"
        outcome.log += f"\n[grader] {reason}"
    return Judged(submission, content, status, reason, grade, outcome, started, seed=str(seed))


class Workers:
    """`jobs` worker slots, each with (when warm) its zygote; submissions graded side by side, each as a fresh uid."""

    def __init__(self, stage: Path, work: Path, limits: Limits, jobs: int, isolated: bool, warm: bool, needed: int,
                 seed: int | None = None, areas: tuple[str, ...] = ()):
        self.stage, self.work, self.limits, self.isolated = stage, work, limits, isolated
        self.areas = areas  # the rubric's graded areas: one switched off is never probed
        self.seed = draw_seed() if seed is None else seed
        self.jobs = max(jobs, 1)
        self.slots: queue.Queue[int] = queue.Queue()
        for slot in range(self.jobs):
            self.slots.put(slot)
        self.threads = max(1, (os.cpu_count() or 1) // self.jobs)
        # their folders go in .work, which the next run clears even if this one is killed
        self.zygotes = {slot: warm_zygote(stage, self.threads, work / f".warm-{slot}")
                        for slot in range(min(self.jobs, needed))} if warm else {}
        for zygote in self.zygotes.values():  # from this thread: a zygote dies with the thread that launched it
            try:
                zygote.launch()
            except OSError as error:
                zygote.broken = f"{type(error).__name__}: {error}"

    def grade(self, pending):
        """(entry, content hash, started, Outcome) of each pending submission, as each one finishes."""
        with concurrent.futures.ThreadPoolExecutor(max_workers=self.jobs) as pool:
            futures = {pool.submit(self._probe, entry, folder): (entry, content) for entry, folder, content in pending}
            try:
                for future in concurrent.futures.as_completed(futures):
                    entry, content = futures[future]
                    yield (entry, content, *future.result())
            finally:  # the batch stopped (a full disk, a kill): grade nothing more whose grade would be dropped
                for future in futures:
                    future.cancel()

    def _probe(self, entry, folder: Path) -> tuple[str, Outcome]:
        slot = self.slots.get()
        started = now()
        try:
            return started, probe_in_sandbox(self.stage, folder, self.work / entry.id / "scratch", self.limits,
                                             slot=slot, isolate=self.isolated, threads=self.threads,
                                             zygote=self.zygotes.get(slot), asking=asking(self.seed, entry.id),
                                             areas=self.areas)
        except Exception as error:  # the sandbox itself failed: record it, go on with the batch
            return started, Outcome(ended="grader-error", log=f"{type(error).__name__}: {error}")
        finally:
            self.slots.put(slot)

    def close(self) -> str | None:
        """Stop the warm workers; why warm workers were turned off partway, if they were."""
        reason = None
        for zygote in self.zygotes.values():
            zygote.close()
            reason = reason or zygote.broken
        return reason

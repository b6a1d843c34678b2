"""`grader batch`: grade a folder of submissions into a gradebook, each in its own sandboxed worker.

The trusted side (this module) finds and copies the submissions, starts one worker per
submission (`-j` at a time), turns the facts each worker reports into verdicts against
the reference profile, and records every grading as soon as it is judged. Nothing a
worker prints, writes or returns other than its token-tagged facts is read.
"""
from __future__ import annotations

import compileall
import dataclasses
import concurrent.futures
import datetime
import hashlib
import json
import os
import queue
import shutil
import sqlite3
import statistics
import stat
import tempfile
from contextlib import closing
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from grader.batch import gradebook
from grader.batch.sandbox import LOG_TAIL, Limits, Outcome, bubblewrap, isolation_problem, run_worker, warm_zygote
from grader.batch.submissions import BadSubmission, discover, in_shard, prepare, remove
from grader.export import copy_grader
from grader.facts import Failure, area_from_data, area_to_data
from grader.grading import AREAS, REFERENCE_DIR, Grade
from grader.profile import PROFILE_PATH, profile_facts, read_profile, staleness
from grader.report.results_json import results_dict
from grader.rubric import load_rubric
from grader.verdicts import judge_area

GRADER_DIR = Path(__file__).resolve().parent.parent
STATUSES = ("graded", "import-error", "timeout", "out-of-memory", "crashed", "tampered", "unreadable")


class BatchError(RuntimeError):
    """The batch cannot start (no profile, a stale profile, no submissions folder); the message says why."""


@dataclass
class Summary:
    graded: list = field(default_factory=list)  # (id, status, score, max, seconds) of this run
    details: list = field(default_factory=list)  # the same with the reason, for the summary table
    skipped: int = 0
    isolated: bool = True
    isolation_problem: str | None = None
    workers: str = "warm"  # "warm": forked from a process that imported TensorFlow once; "cold": started afresh
    cold_reason: str | None = None  # why warm workers were turned off partway (then cold ones graded)


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
    does not hide the grade of the other areas.
    """
    outcome = run_worker(stage, folder, scratch, limits, **options)
    for _ in range(RESTARTS):
        left = [area for area in AREAS if area not in outcome.areas]
        if outcome.finished or outcome.tampered or outcome.ended not in ("exited", "signal") or not left:
            break
        outcome.areas[left[0]] = {"failure": asdict(Failure(
            kind="killed", where=f"your code for {left[0]!r}", summary=_ended(outcome) + " in the middle of it"))}
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
        outcome.seconds += again.seconds
        outcome.peak_rss_mb = max(outcome.peak_rss_mb, again.peak_rss_mb)
        outcome.rejected_lines += again.rejected_lines
        outcome.log = (outcome.log[-LOG_TAIL // 2:] + f"\n[grader] the worker died in {left[0]!r}; a fresh "
                       f"one grades {', '.join(left[1:])}\n" + again.log[-LOG_TAIL // 2:])
    return outcome


def _ended(outcome: Outcome) -> str:
    if (outcome.exit_code or 0) >= 0:
        return f"the process ended with exit code {outcome.exit_code}"
    return f"the process was killed by signal {-outcome.exit_code}"


def judge(outcome: Outcome, rubric, limits: Limits) -> tuple[Grade, str, str]:
    """Verdicts on what the worker reported; areas it never reported cost their points, with the reason."""
    missing = _missing_reason(outcome, limits)
    grade = Grade()
    for area in AREAS:
        data = None if outcome.tampered else outcome.areas.get(area)
        facts = area_from_data(area, data) if data is not None else missing
        grade.facts[area] = facts
        grade.add(*judge_area(rubric, area, facts, profile_facts(area)))
    status, reason = _status(outcome, grade, missing)
    return grade, status, reason


def _missing_reason(outcome: Outcome, limits: Limits) -> Failure:
    if outcome.tampered:
        return Failure(kind="tampered", where="your code",
                       summary="changed the grader's own code while it was being graded ("
                               + ", ".join(outcome.tampered) + "); no part of it can be trusted")
    if outcome.ended in ("timeout", "cpu"):
        return Failure(kind="timeout", where="the grading of this submission",
                       summary=f"took longer than {limits.wall_seconds:g} s and was stopped")
    if outcome.ended == "out-of-memory":
        return Failure(kind="out_of_memory", where="your code",
                       summary=f"used more than {limits.memory_mb} MB of memory and was stopped")
    if outcome.ended == "grader-error":
        return Failure(kind="crashed", where="this submission",
                       summary=f"the grader could not start its sandbox ({outcome.log[:300]})")
    return Failure(kind="killed", where="your code", summary=f"{_ended(outcome)} before this part was graded "
                                                              "(does your code call os._exit or exit at import?)")


def _status(outcome: Outcome, grade: Grade, missing: Failure) -> tuple[str, str]:
    if outcome.tampered:
        return "tampered", missing.explain()
    if not outcome.finished:
        status = {"timeout": "timeout", "cpu": "timeout", "out-of-memory": "out-of-memory"}.get(outcome.ended, "crashed")
        done = [area for area in AREAS if area in outcome.areas]
        before = f" (graded before that: {', '.join(done)})" if done else ""
        return status, f"{missing.explain()}{before}"
    for kind, status in (("tampered", "tampered"), ("killed", "crashed")):
        for facts in grade.facts.values():
            for failure in _failures(facts):
                if failure.kind == kind:
                    return status, failure.explain()
    for facts in grade.facts.values():
        failure = facts if isinstance(facts, Failure) else getattr(facts, "failure", None)
        if isinstance(failure, Failure) and failure.kind in ("import_error", "exited"):
            return "import-error", failure.explain()
    return "graded", ""


def _failures(facts):
    """The Failures in an area's facts: the area's own, and those of single calls (summarize, fit, ...)."""
    if isinstance(facts, Failure):
        yield facts
        return
    for field_ in dataclasses.fields(facts) if dataclasses.is_dataclass(facts) else ():
        value = getattr(facts, field_.name)
        if isinstance(value, Failure):
            yield value


def _unreadable_grade(rubric, reason: str) -> Grade:
    failure = Failure(kind="missing", where="the submission", summary=reason)
    grade = Grade()
    for area in AREAS:
        grade.add(*judge_area(rubric, area, failure, None))
    return grade


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def run_batch(submissions, out, jobs: int = 1, limits: Limits = Limits(), shard=None, force: bool = False,
              isolate: bool = True, progress=None, warm: bool = True) -> Summary:
    """Grade every submission in `submissions` (or this shard of them) into the gradebook in `out`.

    `warm`: fork each worker from a process per slot that has imported TensorFlow (warm.py);
    False starts every worker cold, as before.
    """
    check_profile()
    out = Path(out).resolve()
    check_output(out)
    rubric = load_rubric()
    versions = (grader_version(), profile_version())
    entries = [entry for entry in discover(submissions) if in_shard(entry.id, shard)]
    summary = Summary(isolated=isolate and bubblewrap() is not None,
                      isolation_problem=None if isolate else "--no-sandbox was given")
    if isolate and not summary.isolated:
        summary.isolation_problem = isolation_problem()
    stage = stage_grader(out, versions[0])
    work = out / ".work"
    slots: queue.Queue[int] = queue.Queue()
    for slot in range(max(jobs, 1)):
        slots.put(slot)
    threads = max(1, (os.cpu_count() or 1) // max(jobs, 1))

    with closing(gradebook.connect(out / "gradebook.sqlite")) as connection:
        pending = []
        for entry in entries:
            started = _now()
            try:
                folder, content = prepare(entry, work / entry.id / "submission")
            except BadSubmission as error:
                content = hashlib.sha256(entry.path.read_bytes() if entry.path.is_file() else b"").hexdigest()
                if force or not gradebook.already_graded(connection, entry.id, content, *versions):
                    grade = _unreadable_grade(rubric, str(error))
                    _record(connection, out, entry.id, content, versions, "unreadable", str(error), grade,
                            Outcome(), started, summary)
                else:
                    summary.skipped += 1
                remove(work / entry.id)
                continue
            if not force and gradebook.already_graded(connection, entry.id, content, *versions):
                summary.skipped += 1
                remove(work / entry.id)
                continue
            pending.append((entry, folder, content))

        if progress:
            progress.start(len(pending), summary)

        # one submission (a Gradescope run) gains nothing from a warm worker: it pays the import either way
        warm = warm and len(pending) > 1
        summary.workers = "warm" if warm else "cold"
        # their folders go in .work, which the next run clears even if this one is killed
        zygotes = {slot: warm_zygote(stage, threads, work / f".warm-{slot}")
                   for slot in range(min(max(jobs, 1), len(pending)))} if warm else {}
        for zygote in zygotes.values():  # from this thread: a zygote dies with the thread that launched it
            try:
                zygote.launch()
            except OSError as error:
                zygote.broken = f"{type(error).__name__}: {error}"

        def grade_one(entry, folder):
            slot = slots.get()
            started = _now()
            try:
                return started, probe_in_sandbox(stage, folder, work / entry.id / "scratch", limits, slot=slot,
                                                 isolate=summary.isolated, threads=threads,
                                                 zygote=zygotes.get(slot))
            except Exception as error:  # the sandbox itself failed: record it, go on with the batch
                return started, Outcome(ended="grader-error", log=f"{type(error).__name__}: {error}")
            finally:
                slots.put(slot)

        try:
            with concurrent.futures.ThreadPoolExecutor(max_workers=max(jobs, 1)) as pool:
                futures = {pool.submit(grade_one, entry, folder): (entry, content)
                           for entry, folder, content in pending}
                for future in concurrent.futures.as_completed(futures):
                    entry, content = futures[future]
                    started, outcome = future.result()
                    try:
                        grade, status, reason = judge(outcome, rubric, limits)
                    except Exception as error:  # facts the verdicts choke on: a grader bug, not the student's
                        reason = f"the grader failed to judge this submission ({type(error).__name__}: {error})"
                        grade, status = _unreadable_grade(rubric, reason), "crashed"
                        outcome.log += f"\n[grader] {reason}"
                    _record(connection, out, entry.id, content, versions, status, reason, grade, outcome, started,
                            summary)
                    remove(work / entry.id)
                    if progress:
                        progress.advance(entry.id, status, grade)
        finally:  # the warm workers go with the batch, even when it is interrupted
            for zygote in zygotes.values():
                zygote.close()
                summary.cold_reason = summary.cold_reason or zygote.broken
        try:
            write_outputs(connection, out, [item.id for item in rubric.items])
        except OSError as error:
            raise BatchError(f"every grading is saved in {out / 'gradebook.sqlite'}, but the CSV and reports "
                             f"could not be written ({error.strerror or error}). Run the same command again "
                             "once there is room: it grades nothing twice and writes them.") from None
    remove(work)
    return summary


def _record(connection, out: Path, submission: str, content: str, versions, status: str, reason: str,
            grade: Grade, outcome: Outcome, started: str, summary: Summary) -> None:
    results = results_dict(grade, outcome.seconds)
    if reason:
        results["output"] = f"Status: {status}: {reason}\n" + results["output"]
    facts = {area: area_to_data(facts) for area, facts in grade.facts.items()}
    row = gradebook.Row(
        submission=submission, content_hash=content, grader_version=versions[0], profile_version=versions[1],
        status=status, reason=reason, score=grade.score, max_score=grade.max_score,
        isolated=summary.isolated, duration=round(outcome.seconds, 3), peak_memory_mb=round(outcome.peak_rss_mb, 1),
        started=started, finished=_now(), results_json=json.dumps(results), facts_json=json.dumps(facts),
        log=outcome.log,
    )
    try:
        gradebook.record(connection, row, grade.items)
    except sqlite3.OperationalError as error:  # the disk filled up mid-batch: say so, lose nothing recorded
        raise BatchError(f"the gradebook could not be written ({error}: is the disk full, or another batch "
                         f"writing to the same folder?); the {len(summary.graded)} submission(s) graded before "
                         "this are saved. Run the same command again once that is solved: it goes on where "
                         "it stopped.") from None
    summary.graded.append((submission, status, grade.score, grade.max_score, outcome.seconds))
    summary.details.append((submission, status, grade.score, grade.max_score, outcome.seconds, reason))
    _write_report(out, submission, grade, status, reason)


def _write_report(out: Path, submission: str, grade: Grade, status: str, reason: str) -> None:
    """submissions/ID/report.html: the page a student can be sent (a report that fails costs no grade)."""
    from grader.report.html import submission_report

    folder = out / "submissions" / submission
    folder.mkdir(parents=True, exist_ok=True)
    title = f"{submission}: {status}" + (f" ({reason})" if reason else "")
    try:
        page = submission_report(grade, title, profile_facts("behaviour"), student_view=True)
    except Exception as error:  # a plot that cannot be drawn must not stop the batch
        page = f"<!DOCTYPE html><p>The report could not be drawn: {type(error).__name__}</p>"
    try:
        (folder / "report.html").write_text(page, encoding="utf-8")
    except OSError:  # a full disk: the grade is in the gradebook; the exports at the end say what failed
        pass


def write_outputs(connection, out: Path, item_ids: list[str]) -> None:
    """gradebook.csv, class-report.html, and each submission's latest results.json under submissions/ID/."""
    gradebook.export_csv(connection, out / "gradebook.csv", item_ids)
    write_class_report(connection, out)
    for row in gradebook.current(connection):
        folder = out / "submissions" / row["submission"]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "results.json").write_text(json.dumps(gradebook.results_of(row), indent=2) + "\n",
                                             encoding="utf-8")


def merge_results(sources, out) -> int:
    """Join the gradebooks of several result folders (shards) into `out`, with its CSV and results.json files."""
    out = Path(out)
    databases = [Path(source) / "gradebook.sqlite" for source in sources]
    for database in databases:
        if not database.is_file():
            raise BatchError(f"{database.parent} holds no gradebook.sqlite")
    copied = gradebook.merge(databases, out / "gradebook.sqlite")
    for source in sources:  # the per-submission reports travel with their shard
        for report in sorted((Path(source) / "submissions").glob("*/report.html")):
            target = out / "submissions" / report.parent.name / "report.html"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(report, target)
    with closing(gradebook.connect(out / "gradebook.sqlite")) as connection:
        write_outputs(connection, out, [item.id for item in load_rubric().items])
    return copied


def describe(summary: Summary) -> dict:
    """Counts per status, mean and median score, and the slowest submissions of this run."""
    scores = [score for _id, _status, score, _max, _seconds in summary.graded]
    counts = {status: sum(1 for g in summary.graded if g[1] == status) for status in STATUSES}
    return {
        "graded": len(summary.graded),
        "skipped": summary.skipped,
        "statuses": {k: v for k, v in counts.items() if v},
        "mean": round(statistics.fmean(scores), 2) if scores else None,
        "median": statistics.median(scores) if scores else None,
        "slowest": sorted(((g[4], g[0]) for g in summary.graded), reverse=True)[:5],
    }


def write_class_report(connection, out: Path) -> Path:
    """RESULTS/class-report.html from the latest grading of each submission."""
    from grader.report.html import class_report

    rows = []
    for row in gradebook.current(connection):
        earned = dict(connection.execute("SELECT item_id, passed FROM items WHERE grading_id = ?", (row["id"],)))
        rows.append({**dict(row), "items": earned})
    path = out / "class-report.html"
    path.write_text(class_report(rows, load_rubric().items, title=f"Class report: {out.name}"), encoding="utf-8")
    return path

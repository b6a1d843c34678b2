"""What a batch leaves behind: each grading recorded as it is judged, then the exports.

`record` writes one judged submission to the gradebook (in one transaction) and its
report page; `write_outputs` writes gradebook.csv, each submission's results.json and the
class report from the gradebook, so that a merge or a rerun writes the same files.
"""
from __future__ import annotations

import datetime
import json
import shutil
import sqlite3
import statistics
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from grader.batch import gradebook
from grader.expected import word_taken_points
from grader.batch.judge import STATUSES, unreadable_grade
from grader.batch.sandbox import Outcome
from grader.batch.submissions import id_problem
from grader.facts import facts_to_data
from grader.grade import Grade
from grader.profile import profile_facts
from grader.report.results_json import results_dict
from grader.rubric import load_rubric


class BatchError(RuntimeError):
    """The batch cannot start or go on (no profile, a stale profile, a full disk); the message says why."""


@dataclass
class Summary:
    graded: list = field(default_factory=list)  # (id, status, score, max, seconds) of this run
    details: list = field(default_factory=list)  # the same with the reason, for the summary table
    skipped: int = 0
    isolated: bool = True
    isolation_problem: str | None = None
    filter_problem: str | None = None  # isolated, but without the seccomp filter (syscalls.py): why
    workers: str = "warm"  # "warm": forked from a process that imported TensorFlow once; "cold": started afresh
    cold_reason: str | None = None  # why warm workers were turned off partway (then cold ones graded)


@dataclass(frozen=True)
class Judged:
    """One submission as judged: what the gradebook keeps of it."""

    submission: str
    content_hash: str
    status: str
    reason: str
    grade: Grade
    outcome: Outcome
    started: str
    seed: str = ""  # the batch's secret seed, which decided this grading's questions ("": none were asked)


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def record_safely(connection, out: Path, judged: Judged, versions: tuple[str, str], summary: Summary,
                  rubric) -> None:
    """`record`, where a failure to record this grading is this submission's, never the batch's.

    The grading becomes `crashed` with the reason, and the batch goes on; only a gradebook
    that cannot be written at all (BatchError: a full disk) stops it.
    """
    try:
        record(connection, out, judged, versions, summary)
        return
    except BatchError:
        raise
    except Exception as error:
        reason = f"the grader could not record this grading ({type(error).__name__}: {error})"[:500]
    try:
        record(connection, out, Judged(judged.submission, judged.content_hash, "crashed", reason,
                                       unreadable_grade(rubric, reason), Outcome(log=_text(judged.outcome.log)),
                                       judged.started), versions, summary)
    except BatchError:
        raise
    except Exception as error:  # not even that: the summary says so, the other submissions go on
        summary.graded.append((judged.submission, "crashed", 0.0, 0.0, 0.0))
        summary.details.append((judged.submission, "crashed", 0.0, 0.0, 0.0,
                                f"{reason}; not in the gradebook ({type(error).__name__}: {error})"))


def _text(value) -> str:
    """Text that SQLite and UTF-8 files take: lone surrogates (undecodable bytes) written as escapes."""
    return str(value).encode("utf-8", "backslashreplace").decode("utf-8")


def record(connection, out: Path, judged: Judged, versions: tuple[str, str], summary: Summary) -> None:
    """Store one grading (and its report page) the moment it is judged, and count it in the summary.

    Everything that can fail is done before the one transaction that stores it, so a
    failure here leaves nothing half recorded.
    """
    grade, outcome = judged.grade, judged.outcome
    results = results_dict(grade, outcome.seconds)
    if judged.reason:
        results["output"] = f"Status: {judged.status}: {_text(judged.reason)}\n" + results["output"]
    facts = {area: facts_to_data(facts) for area, facts in grade.facts.items()}
    row = gradebook.Row(
        submission=judged.submission, content_hash=judged.content_hash, grader_version=versions[0],
        profile_version=versions[1], status=judged.status, reason=_text(judged.reason), score=grade.score,
        max_score=grade.max_score, isolated=summary.isolated, duration=round(outcome.seconds, 3),
        peak_memory_mb=round(outcome.peak_rss_mb, 1), started=judged.started, finished=now(),
        results_json=json.dumps(results), facts_json=json.dumps(facts), log=_text(outcome.log),
        seed=judged.seed, word_taken=word_taken_points(grade), extra_credit=grade.extra_score,
    )
    try:
        gradebook.record(connection, row, grade.items)
    except sqlite3.OperationalError as error:  # the disk filled up mid-batch: say so, lose nothing recorded
        raise BatchError(f"the gradebook could not be written ({error}: is the disk full, or another batch "
                         f"writing to the same folder?); the {len(summary.graded)} submission(s) graded before "
                         "this are saved. Run the same command again once that is solved: it goes on where "
                         "it stopped.") from None
    summary.graded.append((judged.submission, judged.status, grade.score, grade.max_score, outcome.seconds))
    summary.details.append((judged.submission, judged.status, grade.score, grade.max_score, outcome.seconds,
                            judged.reason))
    _write_report(out, judged)


def _write_report(out: Path, judged: Judged) -> None:
    """submissions/ID/report.html: the page a student can be sent (a report that fails costs no grade)."""
    from grader.report.html import submission_report

    folder = out / "submissions" / judged.submission
    title = f"{judged.submission}: {judged.status}" + (f" ({_text(judged.reason)})" if judged.reason else "")
    try:
        page = submission_report(judged.grade, title, profile_facts("behaviour"), student_view=True,
                                 reference_explore=profile_facts("explore") if "explore" in judged.grade.facts else None)
    except Exception as error:  # a plot that cannot be drawn must not stop the batch
        page = f"<!DOCTYPE html><p>The report could not be drawn: {type(error).__name__}</p>"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "report.html").write_text(_text(page), encoding="utf-8")
    except OSError:  # a full disk: the grade is in the gradebook; the exports at the end say what failed
        pass


def write_outputs(connection, out: Path, item_ids: list[str]) -> None:
    """gradebook.csv, class-report.html, and each submission's latest results.json under submissions/ID/."""
    gradebook.export_csv(connection, out / "gradebook.csv", item_ids)
    write_class_report(connection, out)
    for row in gradebook.current(connection):
        if id_problem(row["submission"]):  # a gradebook from before ids were checked: no path from it
            continue
        folder = out / "submissions" / row["submission"]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "results.json").write_text(json.dumps(gradebook.results_of(row), indent=2) + "\n",
                                             encoding="utf-8")


def write_class_report(connection, out: Path) -> Path:
    """RESULTS/class-report.html from the latest grading of each submission."""
    from grader.report.html import class_report

    rows = [{**dict(row), "items": gradebook.passed_items(connection, row["id"])}
            for row in gradebook.current(connection)]
    path = out / "class-report.html"
    path.write_text(class_report(rows, load_rubric().items, title=f"Class report: {out.name}"), encoding="utf-8")
    return path


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


def summary_statistics(summary: Summary) -> dict:
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

"""The SQLite gradebook: one row per grading of a submission, written in one transaction when it ends.

A batch killed at any moment loses only the submissions still being graded; the
next run skips every submission already graded with the same content, grader and
profile. `current()` is the latest grading of each submission: what the CSV holds.
"""
from __future__ import annotations

import csv
import json
import os
import sqlite3
import tempfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS gradings (
    id INTEGER PRIMARY KEY,
    submission TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    grader_version TEXT NOT NULL,
    profile_version TEXT NOT NULL,
    status TEXT NOT NULL,          -- graded | import-error | timeout | out-of-memory | crashed | unreadable
    reason TEXT NOT NULL,          -- one readable line; empty when graded cleanly
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    isolated INTEGER NOT NULL,     -- 1: ran in the sandbox (warm worker's or bubblewrap's)
    duration REAL NOT NULL,        -- seconds, wall clock
    peak_memory_mb REAL,
    started TEXT NOT NULL,         -- UTC, ISO 8601
    finished TEXT NOT NULL,
    results_json TEXT NOT NULL,    -- Gradescope's results.json for this grading
    facts_json TEXT NOT NULL,      -- what the probes saw, per area (for reports, and to re-judge)
    log TEXT NOT NULL,             -- the tail of what the student's code printed
    seed TEXT NOT NULL DEFAULT '', -- the batch's secret seed: it decided the grading's questions (--seed)
    word_taken REAL NOT NULL DEFAULT 0, -- points resting on the worker's word alone (README)
    extra_credit REAL NOT NULL DEFAULT 0 -- of `score`, the points of extra-credit items (not in max_score)
);
CREATE INDEX IF NOT EXISTS gradings_by_submission ON gradings (submission, content_hash, grader_version);
CREATE TABLE IF NOT EXISTS items (
    grading_id INTEGER NOT NULL REFERENCES gradings (id),
    item_id TEXT NOT NULL,
    points REAL NOT NULL,
    max_points REAL NOT NULL,
    passed INTEGER NOT NULL,
    visibility TEXT NOT NULL,
    feedback TEXT NOT NULL,
    PRIMARY KEY (grading_id, item_id)
);
"""

COLUMNS = ("submission", "content_hash", "grader_version", "profile_version", "status", "reason", "score",
           "max_score", "isolated", "duration", "peak_memory_mb", "started", "finished", "results_json",
           "facts_json", "log", "seed", "word_taken", "extra_credit")


@dataclass(frozen=True)
class Row:
    submission: str
    content_hash: str
    grader_version: str
    profile_version: str
    status: str
    reason: str
    score: float
    max_score: float
    isolated: bool
    duration: float
    peak_memory_mb: float | None
    started: str
    finished: str
    results_json: str
    facts_json: str
    log: str
    seed: str = ""
    word_taken: float = 0.0
    extra_credit: float = 0.0


def connect(path) -> sqlite3.Connection:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        _create(path)
    connection = sqlite3.connect(path, timeout=60)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.executescript(SCHEMA)  # what a gradebook made by an older grader lacks (IF NOT EXISTS)
    have = {row[1] for row in connection.execute("PRAGMA table_info(gradings)")}
    for name, declared in (("seed", "TEXT NOT NULL DEFAULT ''"), ("word_taken", "REAL NOT NULL DEFAULT 0"),
                           ("extra_credit", "REAL NOT NULL DEFAULT 0")):
        if name not in have:  # columns a gradebook made by an older grader lacks
            with connection:
                connection.execute(f"ALTER TABLE gradings ADD COLUMN {name} {declared}")
    return connection


def _create(path: Path) -> None:
    """A new gradebook, made whole under another name and then linked in place: never seen without its tables.

    Made in place, the file existed (the first PRAGMA writes it) before its tables did, and
    each CREATE commits on its own: a reader then (`grader report`, `merge`, a test polling a
    running batch) found "no such table: gradings", and so would one reading what a batch
    killed in that moment left.
    """
    fd, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".partial")
    os.close(fd)
    try:
        with closing(sqlite3.connect(partial)) as fresh:
            fresh.execute("PRAGMA journal_mode=WAL")
            fresh.executescript(SCHEMA)
        try:
            os.link(partial, path)  # a gradebook another process made meanwhile is kept, not replaced
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links
            if not path.exists():
                os.replace(partial, path)
    finally:
        for leftover in (partial, partial + "-wal", partial + "-shm"):
            try:
                os.unlink(leftover)
            except FileNotFoundError:
                pass


def record(connection: sqlite3.Connection, row: Row, items) -> int:
    """Store one grading and its items atomically."""
    return _insert(connection, [getattr(row, c) if c != "isolated" else int(row.isolated) for c in COLUMNS],
                   [(item.id, item.points, item.max_points, int(item.passed), item.visibility, item.feedback())
                    for item in items])


def _insert(connection: sqlite3.Connection, grading: list, items: list[tuple]) -> int:
    """A grading (values in COLUMNS order) and its items (without grading_id), in one transaction."""
    with connection:
        cursor = connection.execute(
            f"INSERT INTO gradings ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})", grading)
        connection.executemany("INSERT INTO items VALUES (?, ?, ?, ?, ?, ?, ?)",
                               [(cursor.lastrowid, *item) for item in items])
    return cursor.lastrowid


def already_graded(connection: sqlite3.Connection, submission: str, content_hash: str, grader_version: str,
                   profile_version: str) -> bool:
    found = connection.execute(
        "SELECT 1 FROM gradings WHERE submission = ? AND content_hash = ? AND grader_version = ? "
        "AND profile_version = ? LIMIT 1",
        (submission, content_hash, grader_version, profile_version),
    ).fetchone()
    return found is not None


def current(connection: sqlite3.Connection) -> list[sqlite3.Row]:
    """The latest grading of each submission, by submission id."""
    connection.row_factory = sqlite3.Row
    try:
        return connection.execute(
            "SELECT * FROM gradings WHERE id IN (SELECT MAX(id) FROM gradings GROUP BY submission) "
            "ORDER BY submission"
        ).fetchall()
    finally:
        connection.row_factory = None


def passed_items(connection: sqlite3.Connection, grading_id: int) -> dict[str, int]:
    """Item id -> 1 if earned, 0 if lost, for one grading."""
    return dict(connection.execute("SELECT item_id, passed FROM items WHERE grading_id = ?", (grading_id,)))


def export_csv(connection: sqlite3.Connection, path: Path, item_ids: list[str]) -> Path:
    """gradebook.csv: one row per submission (its latest grading), one column per rubric item.

    `score` counts extra credit, `max_score` does not; `extra_credit` says how much of the score
    is extra, for a gradebook that keeps it apart.
    """
    rows = current(connection)
    points = {}
    for grading_id, item_id, value in connection.execute("SELECT grading_id, item_id, points FROM items"):
        points[(grading_id, item_id)] = value
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([safe_cell(cell) for cell in ("submission", "status", "score", "max_score", "extra_credit",
                                                      *item_ids, "word_taken", "reason", "content_hash",
                                                      "graded_at")])
        for row in rows:
            writer.writerow([safe_cell(cell) for cell in (
                row["submission"], row["status"], _number(row["score"]), _number(row["max_score"]),
                _number(row["extra_credit"]), *[_number(points.get((row["id"], item_id), "")) for item_id in item_ids],
                _number(row["word_taken"]), row["reason"], row["content_hash"][:12], row["finished"])])
    return path


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A CSV cell a spreadsheet shows as text: one that starts like a formula gets a leading quote (OWASP).

    Numbers the grader computed stay numbers; every text (a submission id, a reason that
    quotes student code) starting with =, +, -, @, a tab or a carriage return is neutralized.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def merge(sources, destination) -> int:
    """Copy every grading of the source gradebooks into `destination`; return how many were copied.

    A grading already present (same submission, content, grader, profile and finish time)
    is not copied twice, so merging is safe to repeat.
    """
    copied = 0
    with closing(connect(destination)) as target:
        for source in sources:
            with closing(sqlite3.connect(f"file:{Path(source)}?mode=ro", uri=True)) as origin:
                origin.row_factory = sqlite3.Row
                for grading in origin.execute("SELECT * FROM gradings ORDER BY id"):
                    duplicate = target.execute(
                        "SELECT 1 FROM gradings WHERE submission = ? AND content_hash = ? AND grader_version = ? "
                        "AND profile_version = ? AND finished = ?",
                        (grading["submission"], grading["content_hash"], grading["grader_version"],
                         grading["profile_version"], grading["finished"])).fetchone()
                    if duplicate:
                        continue
                    items = origin.execute("SELECT * FROM items WHERE grading_id = ?", (grading["id"],)).fetchall()
                    _insert(target, [grading[c] for c in COLUMNS], [tuple(item)[1:] for item in items])
                    copied += 1
    return copied


def _number(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def results_of(row) -> dict:
    return json.loads(row["results_json"])

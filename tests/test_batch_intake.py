"""A class is always graded: no submission can stop, slow, poison or read another (issue 18).

Intake (finding, unpacking, staging, cleaning up) and recording, tested without TensorFlow:
the sandboxed workers are replaced by a stand-in that checks what was staged and reports
an honest "not implemented yet" for every area. One test runs the real `grader batch`.
"""
from __future__ import annotations

import csv
import os
import sqlite3
import struct
import subprocess
import sys
import time
import zipfile
from contextlib import closing
from dataclasses import asdict
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from grader.areas import AREA_KEYS
from grader.batch import gradebook, outputs, run
from grader.batch.sandbox import Outcome
from grader.batch.submissions import id_problem, prepare, remove, safe_id
from grader.facts import Failure
from tests.conftest import REPOSITORY, STUBS, rows

# `pytest tests -n 2`: every batch test on one worker (see tests/conftest.py)
pytestmark = pytest.mark.xdist_group("batch")

SECRET = b"the instructor's secret: 7f3a"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def modules() -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(STUBS.glob("*.py")) if path.name != "__main__.py"}


def honest_folder(folder: Path) -> Path:
    (folder / "assignment").mkdir(parents=True)
    for name, data in modules().items():
        (folder / "assignment" / name).write_bytes(data)
    return folder


def honest_zip(path: Path, compression=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in modules().items():
            archive.writestr(f"work/assignment/{name}", data)
    return path


def deep_chain(top: Path, depth: int, name: str = "d") -> None:
    """`depth` nested folders under `top`, made one at a time (os.makedirs recurses, as rmtree does)."""
    top.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(depth):  # relative to a descriptor: a chain longer than PATH_MAX is fine too
            os.mkdir(name, dir_fd=descriptor)
            inner = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=descriptor)
            os.close(descriptor)
            descriptor = inner
        with open(os.open("leaf.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=descriptor), "w") as leaf:
            leaf.write("left by student code")
        os.fchmod(descriptor, 0)  # and a folder no one may enter
    finally:
        os.close(descriptor)


class StandInWorkers:
    """run.Workers without TensorFlow: checks what was staged, reports every area 'not implemented yet'."""

    staged: dict[str, dict[str, bytes]] = {}
    during = None  # a hook(entry, scratch) that plays student code, e.g. leaving a deep chain behind

    def __init__(self, stage, work, limits, jobs, isolated, warm, needed, seed=None, areas=()):
        self.work = work
        self.areas = areas or AREA_KEYS  # the rubric's graded areas, as run.Workers gets them

    def grade(self, pending):
        for entry, folder, content in pending:
            files = {path.name: path.read_bytes() for path in folder.iterdir()}
            assert all(SECRET not in data for data in files.values()), f"{entry.id} read a file outside it"
            StandInWorkers.staged[entry.id] = files
            scratch = self.work / entry.id / "scratch"
            scratch.mkdir(parents=True, exist_ok=True)
            if StandInWorkers.during:
                StandInWorkers.during(entry, scratch)
            failure = asdict(Failure(kind="not_implemented", where="stand-in", summary="not implemented yet"))
            yield entry, content, outputs.now(), Outcome(areas={key: {"failure": failure} for key in self.areas},
                                                         finished=True, ended="exited", exit_code=0)

    def close(self):
        return None


@pytest.fixture
def batch(monkeypatch):
    """run_batch with the stand-in workers; returns a function (class folder, out) -> rows by id."""
    StandInWorkers.staged, StandInWorkers.during = {}, None
    monkeypatch.setattr(run, "Workers", StandInWorkers)
    monkeypatch.setattr(run, "stage_grader", lambda out, version: out)

    def grade(submissions: Path, out: Path, **options) -> dict[str, sqlite3.Row]:
        run.run_batch(submissions, out, isolate=False, **options)
        return rows(out)

    return grade


def gradings(out: Path) -> list[str]:
    with closing(sqlite3.connect(out / "gradebook.sqlite")) as db:
        return [name for (name,) in db.execute("SELECT submission FROM gradings ORDER BY id")]


def csv_cells(out: Path) -> list[list[str]]:
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def corrupt_one_byte(path: Path, member: str) -> None:
    """Flip one byte of `member`'s stored data: the zip still opens, the member fails its CRC check."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    data = bytearray(path.read_bytes())
    name_length, extra_length = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
    start = info.header_offset + 30 + name_length + extra_length
    data[start + info.compress_size // 2] ^= 0x01
    path.write_bytes(bytes(data))


# --- each finding, reproduced ---------------------------------------------------------------------

@pytest.fixture(autouse=True)
def removed_after(request):
    """Deep chains and folders no one may enter: removed here, as pytest's clean-up recurses."""
    folder = request.getfixturevalue("tmp_path") if "tmp_path" in request.fixturenames else None
    yield
    if folder is not None:
        remove(folder)


def test_a_zip_with_one_corrupted_byte_is_unreadable_and_the_class_is_graded(tmp_path, batch):
    honest_folder(tmp_path / "class" / "ann")
    corrupt_one_byte(honest_zip(tmp_path / "class" / "bob.zip", zipfile.ZIP_STORED), "work/assignment/model.py")
    corrupt_one_byte(honest_zip(tmp_path / "class" / "cy.zip"), "work/assignment/data.py")
    found = batch(tmp_path / "class", tmp_path / "out")
    assert {name: row["status"] for name, row in found.items()} == {
        "ann": "graded", "bob": "unreadable", "cy": "unreadable"}
    assert "'bob.zip' could not be unpacked: 'work/assignment/model.py' is damaged" in found["bob"]["reason"]
    assert "Bad CRC-32" in found["bob"]["reason"]
    assert "could not be unpacked" in found["cy"]["reason"]


def test_names_that_are_not_utf8_are_a_submissions_failure_not_the_batchs(tmp_path, batch):
    honest_folder(tmp_path / "class" / "ann")
    (tmp_path / "class" / "ann" / "assignment" / os.fsdecode(b"\xff\xfe.py")).write_bytes(b"x = 1\n")
    honest_folder(tmp_path / "class" / os.fsdecode(b"caf\xe9"))  # a Latin-1 name on a UTF-8 system
    with zipfile.ZipFile(tmp_path / "class" / "dee.zip", "w") as archive:  # says UTF-8, is not
        for name, data in modules().items():
            archive.writestr(name, data)
        archive.writestr("caf\u00e9.py", "y = 2\n")
    raw = (tmp_path / "class" / "dee.zip").read_bytes()
    (tmp_path / "class" / "dee.zip").write_bytes(raw.replace("caf\u00e9".encode(), b"caf\xe9\xff"))
    found = batch(tmp_path / "class", tmp_path / "out")
    cafe = safe_id(os.fsdecode(b"caf\xe9"))
    assert {name: row["status"] for name, row in found.items()} == {
        "ann": "graded", cafe: "unreadable", "dee": "unreadable"}
    assert sorted(StandInWorkers.staged["ann"]) == sorted(modules())  # the unimportable name left out
    assert "cannot be used as an id (it is not valid UTF-8 text)" in found[cafe]["reason"]
    assert "'dee.zip' is not a readable zip file (UnicodeDecodeError" in found["dee"]["reason"]
    assert all(id_problem(name) is None for name in found)
    assert (tmp_path / "out" / "submissions" / cafe / "report.html").is_file()


def test_a_deep_chain_left_in_the_scratch_folder_loses_no_grading_and_stops_no_rerun(tmp_path, batch):
    for name in ("ann", "bob", "cy"):
        honest_folder(tmp_path / "class" / name)
    out = tmp_path / "out"
    # an earlier run, killed: its scratch folders hold what student code left, 1,500 levels down and more
    deep_chain(out / ".work" / "ann" / "scratch", 1500)
    deep_chain(out / ".work" / "gone-student" / "scratch", 40, name="x" * 200)  # longer than PATH_MAX
    deep_chain(out / ".work" / ".warm-0", 50)
    # and this run's student code leaves one behind while it is graded (each level costs this disk 2 ms to remove)
    StandInWorkers.during = lambda entry, scratch: entry.id == "bob" and deep_chain(scratch, 1100)
    found = batch(tmp_path / "class", out)
    assert {name: row["status"] for name, row in found.items()} == dict.fromkeys(("ann", "bob", "cy"), "graded")
    assert not (out / ".work").exists()
    deep_chain(out / ".work" / "bob" / "scratch", 50)  # a rerun skips what is graded, and clears the rest
    assert {name: row["id"] for name, row in batch(tmp_path / "class", out).items()} == \
           {name: row["id"] for name, row in found.items()}
    assert gradings(out) == ["ann", "bob", "cy"] and not (out / ".work").exists()
    assert remove(out / "nothing-there") and remove(out / "gradebook.csv") and not (out / "gradebook.csv").exists()


def test_an_exception_while_recording_one_grading_costs_that_grading_only(tmp_path, batch, monkeypatch):
    for name in ("ann", "bob", "cy", "dee"):
        honest_folder(tmp_path / "class" / name)
    insert = gradebook.record

    def flaky(connection, row, items):
        if row.submission == "bob" and row.status == "graded":
            raise ValueError("a result the gradebook chokes on")
        return insert(connection, row, items)

    monkeypatch.setattr(gradebook, "record", flaky)
    found = batch(tmp_path / "class", tmp_path / "out")
    assert {name: row["status"] for name, row in found.items()} == {
        "ann": "graded", "bob": "crashed", "cy": "graded", "dee": "graded"}
    assert found["bob"]["reason"] == ("the grader could not record this grading (ValueError: a result the "
                                      "gradebook chokes on)")
    assert gradings(tmp_path / "out") == ["ann", "bob", "cy", "dee"]  # nothing recorded twice or half


def test_a_full_disk_while_recording_stops_the_batch_without_grading_the_rest(tmp_path, monkeypatch):
    """Only a gradebook that cannot be written stops a batch, and then no more submission is graded for nothing."""
    started = []

    def probe(self, entry, folder):
        started.append(entry.id)
        time.sleep(0.5)  # a grading takes a while: the others would be graded by now without the cancel
        return outputs.now(), Outcome(finished=True)

    def full(connection, row, items):
        raise sqlite3.OperationalError("database or disk is full")

    for name in ("ann", "bob", "cy", "dee", "eve"):
        honest_folder(tmp_path / "class" / name)
    monkeypatch.setattr(run, "stage_grader", lambda out, version: out)
    monkeypatch.setattr(run.Workers, "_probe", probe)
    monkeypatch.setattr(gradebook, "record", full)
    with pytest.raises(outputs.BatchError, match="could not be written"):
        run.run_batch(tmp_path / "class", tmp_path / "out", isolate=False, warm=False, jobs=1)
    assert len(started) < 5


def test_formulas_in_ids_and_reasons_are_neutralized_in_the_csv_and_ids_escaped_in_html(tmp_path, batch):
    names = ["=1+2", "=HYPERLINK(A1;B1)", "+1", "-2", "@SUM(A1)", "plain", "a'b&c"]
    for name in names:
        honest_folder(tmp_path / "class" / name)
    (tmp_path / "class" / "=bad.zip").write_bytes(b"not a zip")
    (tmp_path / "class" / "tab\there").mkdir()
    honest_folder(tmp_path / "class" / '=HYPERLINK("x?"&A1;"y")')  # a quote: not an id, still a formula
    found = batch(tmp_path / "class", tmp_path / "out")
    assert sum(row["status"] == "graded" for row in found.values()) == len(names)
    table = csv_cells(tmp_path / "out")
    assert all(not cell.startswith(FORMULA_STARTS) for line in table for cell in line)
    ids = [line[0] for line in table[1:]]
    assert {"'=1+2", "'=HYPERLINK(A1;B1)", "'+1", "'-2", "'@SUM(A1)", "'=bad", "plain", "a'b&c"} <= set(ids)
    assert "'" + safe_id('=HYPERLINK("x?"&A1;"y")') in ids
    assert safe_id("tab\there") in ids and "'\t" not in "".join(ids)
    assert "'=bad.zip' is not a readable zip file" in [line[-3] for line in table if line[0] == "'=bad"][0]
    page = (tmp_path / "out" / "class-report.html").read_text()
    assert "a&#x27;b&amp;c" in page and "a'b&c" not in page
    assert "\t" not in "".join(found)


def test_a_symlinked_submission_is_not_followed(tmp_path, batch):
    outside = tmp_path / "elsewhere"
    honest_folder(outside / "folder")
    (outside / "folder" / "assignment" / "data.py").write_bytes(SECRET)
    honest_zip(outside / "work.zip")
    (tmp_path / "secret.txt").write_bytes(SECRET)
    honest_folder(tmp_path / "class" / "ann")
    (tmp_path / "class" / "eve").symlink_to(outside / "folder")
    (tmp_path / "class" / "zed.zip").symlink_to(outside / "work.zip")
    (tmp_path / "class" / "dangling").symlink_to(tmp_path / "no-such-thing")
    honest_folder(tmp_path / "class" / "mal")
    (tmp_path / "class" / "mal" / "assignment" / "data.py").unlink()
    (tmp_path / "class" / "mal" / "assignment" / "data.py").symlink_to(tmp_path / "secret.txt")
    (tmp_path / "class" / "mal" / "assignment" / "helper.py").symlink_to(tmp_path / "secret.txt")
    found = batch(tmp_path / "class", tmp_path / "out")
    assert {name: row["status"] for name, row in found.items()} == {
        "ann": "graded", "eve": "unreadable", "zed": "unreadable", "mal": "graded"}
    assert "'eve' is a symbolic link; links are not followed" in found["eve"]["reason"]
    assert "'zed.zip' is a symbolic link" in found["zed"]["reason"]
    assert set(StandInWorkers.staged) == {"ann", "mal"} and "data.py" not in StandInWorkers.staged["mal"]


def test_ids_that_break_paths_or_pages_are_recorded_under_a_safe_id(tmp_path, batch):
    bad = ["new\nline", "a..b", "x:y", "<script>", " lead", "right\u202eleft", "z" * 130, "back\\slash"]
    for name in bad:
        honest_folder(tmp_path / "class" / name)
    honest_folder(tmp_path / "class" / "ann")
    honest_zip(tmp_path / "class" / "ann.zip")  # the same id twice: one is graded, the other says why not
    found = batch(tmp_path / "class", tmp_path / "out")
    assert len(found) == len(bad) + 2 and all(id_problem(name) is None for name in found)
    assert found["ann"]["status"] == "graded"
    assert found[safe_id("ann.zip")]["reason"].startswith("another submission, 'ann', has the same id 'ann'")
    for name in bad:
        row = found[safe_id(name)]
        assert row["status"] == "unreadable" and "cannot be used as an id" in row["reason"] and "\n" not in row["reason"]
    assert sorted(p.name for p in (tmp_path / "out" / "submissions").iterdir()) == sorted(found)


def test_malformed_zips_are_refused_with_the_reason(tmp_path):
    cases = {}
    cases["bomb"] = tmp_path / "bomb.zip"  # 60 MB of zeros in 60 kB
    with zipfile.ZipFile(cases["bomb"], "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.py", b"\0" * (60 * 2**20))
    cases["liar"] = honest_zip(tmp_path / "liar.zip")  # a header that says 10 bytes, data that says 6 MB
    with zipfile.ZipFile(cases["liar"], "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("work/assignment/helper.py", b"#" * (6 * 2**20))
    data = bytearray(cases["liar"].read_bytes())
    with zipfile.ZipFile(cases["liar"]) as archive:
        info = archive.getinfo("work/assignment/helper.py")
    central = bytes(data).rindex(b"work/assignment/helper.py") - 46  # its central directory header
    data[central + 24:central + 28] = struct.pack("<I", 10)
    cases["liar"].write_bytes(bytes(data))
    cases["escape"] = tmp_path / "escape.zip"
    with zipfile.ZipFile(cases["escape"], "w") as archive:
        archive.writestr("../data.py", "x = 1")
    cases["truncated"] = tmp_path / "truncated.zip"
    cases["truncated"].write_bytes(honest_zip(tmp_path / "whole.zip").read_bytes()[:-30])
    cases["empty"] = tmp_path / "empty.zip"
    cases["empty"].write_bytes(b"")
    cases["huge"] = tmp_path / "huge.zip"
    with open(cases["huge"], "wb") as handle:
        handle.truncate(200 * 2**20)  # sparse: costs nothing to make
    cases["fifo"] = tmp_path / "fifo.zip"
    os.mkfifo(cases["fifo"])  # opening it would wait for ever
    reasons = {}
    for name, path in cases.items():
        entry = run.discover(tmp_path)
        entry = next(e for e in entry if e.path == path)
        with pytest.raises(run.BadSubmission) as raised:
            prepare(entry, tmp_path / "work" / name)
        reasons[name] = str(raised.value)
    assert "too large to be a submission" in reasons["bomb"]
    assert "could not be unpacked" in reasons["liar"] and "'work/assignment/helper.py'" in reasons["liar"]
    assert "unsafe path: '../data.py'" in reasons["escape"]
    assert "not a readable zip file" in reasons["truncated"] and "not a readable zip file" in reasons["empty"]
    assert "too large" in reasons["huge"] and "not a regular file" in reasons["fifo"]


# --- the property: whatever a class folder holds, one row each, the honest ones graded -------------

NAMES = ["plain", "=cmd()", "+x", "-y", "@z", "tab\tx", "new\nline", "a..b", "x:y", "<b>", " lead", "日本語",
         "right\u202eleft", "w" * 130, os.fsdecode(b"caf\xe9"), os.fsdecode(b"\xff\xfe"), "x.zip", "[b]"]

files = st.one_of(
    st.just(b""), st.binary(max_size=64), st.just(b"\xff\xfe\0\0binary"), st.just(b"x = 1\n"),
    st.sampled_from(["huge", "unreadable"]))
file_names = st.one_of(
    st.sampled_from(["data.py", "model.py", "callbacks.py", "train.py", "helper.py", "notes.txt", ".hidden.py",
                     "my-module.py", "x" * 250 + ".py", "new\nline.py"]),
    st.sampled_from([b"\xff.py", b"caf\xe9.py", b"\x01.py"]).map(os.fsdecode))
folder_layouts = st.sampled_from(["top", "assignment", "wrapped", "two-wrapped", "deep"])
links = st.sampled_from(["data.py->secret", "assignment->outside", "loop", "dangling", "model.py->fifo"])
zip_damage = st.sampled_from(["none", "flip", "truncate", "utf8-flag", "encrypted-flag", "method-99", "escape",
                              "bomb", "many-files", "not-a-zip", "empty", "huge"])

submissions = st.one_of(
    st.tuples(st.just("folder"), folder_layouts, st.lists(st.tuples(file_names, files), max_size=5),
              st.lists(links, max_size=2), st.sampled_from([0, 0, 60, 1100]), st.sampled_from([0, 0, 600])),
    st.tuples(st.just("zip"), zip_damage, st.integers(0, 2**16)),
    st.tuples(st.just("link-root"), st.sampled_from(["folder", "zip"])),
    st.tuples(st.just("fifo.zip")),
)


def make_folder(root: Path, layout, contents, link_kinds, depth, width, outside: Path) -> None:
    where = {"top": root, "assignment": root / "assignment", "wrapped": root / "w",
             "two-wrapped": root / "w" / "assignment", "deep": root / "a" / "b" / "c"}[layout]
    where.mkdir(parents=True, exist_ok=True)
    if layout == "two-wrapped":
        (root / "other").mkdir()
    for name, content in contents:
        path = where / name
        try:
            if content == "huge":
                with open(path, "wb") as handle:
                    handle.truncate(8 * 2**20)  # sparse
            else:
                path.write_bytes(content if isinstance(content, bytes) else b"")
                if content == "unreadable":
                    path.chmod(0)
        except OSError:  # a name too long for this file system: there is no such submission
            pass
    for kind in link_kinds:
        source, _, target = kind.partition("->")
        targets = {"secret": outside / "secret.txt", "outside": outside, "fifo": outside / "fifo"}
        path = where / (source if target else kind)
        if os.path.lexists(path):
            continue
        if kind == "loop":
            path.symlink_to(path)
        elif kind == "dangling":
            path.symlink_to(root / "no-such-file.py")
        else:
            path.symlink_to(targets[target])
    if depth:
        deep_chain(root / "deep-tree", depth)
    for index in range(width):
        (root / f"wide-{index}.txt").write_bytes(b"")


def make_zip(path: Path, damage: str, where: int) -> None:
    if damage == "not-a-zip":
        path.write_bytes(b"PK\x03\x04 this is not really a zip")
        return
    if damage == "empty":
        path.write_bytes(b"")
        return
    if damage == "huge":
        with open(path, "wb") as handle:
            handle.truncate(120 * 2**20)
        return
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in modules().items():
            archive.writestr(f"sub/{name}", data)
        if damage == "escape":
            archive.writestr("../../evil.py", "boom")
        if damage == "bomb":
            archive.writestr("sub/helper.py", b"\0" * (51 * 2**20))
        if damage == "many-files":
            for index in range(2001):
                archive.writestr(f"sub/f{index}.txt", b"")
    data = bytearray(path.read_bytes())
    central = data.index(b"PK\x01\x02")
    if damage == "flip":
        data[where % len(data)] ^= 1 << (where % 8)
    elif damage == "truncate":
        data = data[:where % len(data)]
    elif damage in ("utf8-flag", "encrypted-flag", "method-99"):
        for start in range(len(data)):  # every local and central header
            if data[start:start + 4] == b"PK\x03\x04":
                flags, method = 6, 8
            elif data[start:start + 4] == b"PK\x01\x02":
                flags, method = 8, 10
            else:
                continue
            if damage == "utf8-flag":
                data[start + flags + 1] |= 0x08
            elif damage == "encrypted-flag":
                data[start + flags] |= 0x01
            else:
                data[start + method:start + method + 2] = struct.pack("<H", 99)
        if damage == "utf8-flag":  # and a name that is not UTF-8
            data = data.replace(b"sub/data.py", b"sub/d\xffta.py")
    del central
    path.write_bytes(bytes(data))


# INTAKE_EXAMPLES=60 searches further (about 4 minutes); derandomized, so every run tries the same classes
@settings(max_examples=int(os.environ.get("INTAKE_EXAMPLES", 12)), deadline=None, derandomize=True, database=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(st.lists(st.tuples(st.sampled_from(NAMES), submissions), min_size=1, max_size=4))
def test_whatever_a_class_folder_holds_every_submission_gets_one_row_and_the_honest_one_is_graded(
        tmp_path_factory, monkeypatch, made):
    StandInWorkers.staged, StandInWorkers.during = {}, None
    monkeypatch.setattr(run, "Workers", StandInWorkers)
    monkeypatch.setattr(run, "stage_grader", lambda out, version: out)
    base = tmp_path_factory.mktemp("class")
    try:
        check_a_class(base, made)
    finally:
        remove(base)  # pytest's own clean-up would trip over the deep chains


def check_a_class(base: Path, made) -> None:
    outside, folder, out = base / "outside", base / "class", base / "out"
    honest_folder(outside / "folder")
    (outside / "folder" / "assignment" / "data.py").write_bytes(SECRET)
    honest_zip(outside / "work.zip")
    (outside / "secret.txt").write_bytes(SECRET)
    os.mkfifo(outside / "fifo")
    honest_folder(folder / "honest")
    (folder / "notes.txt").write_text("not a submission")  # files other than zips are not submissions
    (folder / "data.py").write_bytes(SECRET)
    (folder / "readme").symlink_to(outside / "secret.txt")
    expected = 1
    for index, (name, submission) in enumerate(made):
        name = f"{name}{index}"  # distinct names, each with its oddity
        kind, *details = submission
        path = folder / (name + (".zip" if kind in ("zip", "fifo.zip") or details == ["zip"] else ""))
        if kind == "folder":
            path.mkdir()
            make_folder(path, *details, outside=outside)
        elif kind == "zip":
            make_zip(path, *details)
        elif kind == "link-root":
            path.symlink_to(outside / ("folder" if details == ["folder"] else "work.zip"))
        else:
            os.mkfifo(path)
        expected += 1

    found = {}
    for rerun in range(2):  # and once more, over what the first run left
        run.run_batch(folder, out, isolate=False, force=bool(rerun))
        found = rows(out)
        assert len(found) == expected, sorted(found)
        assert found["honest"]["status"] == "graded"
        assert sorted(StandInWorkers.staged["honest"]) == sorted(modules())
        for name, row in found.items():
            assert id_problem(name) is None, name
            assert row["status"] in ("graded", "unreadable"), (name, row["reason"])
            assert (row["status"] == "graded") == (row["reason"] == ""), (name, row["reason"])
            assert (out / "submissions" / name / "report.html").is_file()
        table = csv_cells(out)
        assert len(table) == expected + 1
        assert all(not cell.startswith(FORMULA_STARTS) for line in table for cell in line)
        assert not (out / ".work").exists()
    assert len(gradings(out)) == 2 * expected  # --force: each graded once more, none lost, none twice
    assert not (base / "evil.py").exists() and not (base.parent / "evil.py").exists()


# --- the real thing, once ----------------------------------------------------------------------------

@pytest.mark.slow
def test_grader_batch_grades_a_class_with_malformed_submissions_around_an_honest_one(tmp_path):
    """One real `grader batch` (one TensorFlow grading): the malformed ones are rows with reasons."""
    honest_folder(tmp_path / "class" / "honest")
    corrupt_one_byte(honest_zip(tmp_path / "class" / "crc.zip", zipfile.ZIP_STORED), "work/assignment/train.py")
    honest_folder(tmp_path / "class" / os.fsdecode(b"caf\xe9"))
    honest_folder(tmp_path / "outside")
    (tmp_path / "class" / "linked").symlink_to(tmp_path / "outside")
    (tmp_path / "class" / "=1+1").mkdir()  # and no modules in it
    with zipfile.ZipFile(tmp_path / "class" / "[b].zip", "w") as archive:  # a reason rich would read as markup
        archive.writestr("../[/]x.py", "x = 1")
    out = tmp_path / "out"
    deep_chain(out / ".work" / "honest" / "scratch", 1500)  # left by an earlier run
    done = subprocess.run([sys.executable, "-m", "grader", "batch", tmp_path / "class", "--out", out, "-j", "1",
                           "--timeout", "120"], cwd=REPOSITORY, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    found = rows(out)
    cafe = safe_id(os.fsdecode(b"caf\xe9"))
    assert {name: row["status"] for name, row in found.items()} == {
        "honest": "graded", "crc": "unreadable", cafe: "unreadable", "linked": "unreadable",
        "=1+1": "unreadable", "[b]": "unreadable"}
    assert "Bad CRC-32" in found["crc"]["reason"] and "symbolic link" in found["linked"]["reason"]
    assert "no assignment files found" in found["=1+1"]["reason"]
    assert "'=1+1" in [line[0] for line in csv_cells(out)]
    assert "unsafe path: '../[/]x.py'" in found["[b]"]["reason"] and "[b]" in done.stdout and "[/]" in done.stdout
    assert not (out / ".work").exists()

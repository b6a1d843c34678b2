"""Finding the submissions of a class: folders and .zip files, each with a stable id and a content hash.

Whatever a class folder holds, each submission in it becomes one entry: one that cannot be
read (a broken or unsafe zip, a name that is not a safe id, a symbolic link, no modules)
is refused with the reason, as that submission's failure and never the batch's.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from grader.notebook import NOTEBOOK_MAX_BYTES, NotANotebook, convert
from grader.probes.student_code import MODULES

ZIP_MAX_BYTES = 50 * 2**20  # uncompressed; a zip bomb is refused, not extracted
ZIP_MAX_FILES = 2000
PY_MAX_BYTES = 5 * 2**20  # one source file; a bigger .py is data (or an attack), not code to grade
ID_MAX_BYTES = 120  # a file name holds 255 bytes; ids also name folders and appear in reports
ID_FORBIDDEN = set('/\\:*?"<>|')  # they break paths (here or on Windows) or would need quoting everywhere
# control and format characters (bidi overrides, zero widths), surrogates (a name that is not UTF-8),
# unassigned code points, line and paragraph separators
ID_FORBIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Cn", "Zl", "Zp"}


@dataclass(frozen=True)
class Entry:
    """One submission as found in the class folder (not yet prepared for grading)."""

    id: str  # the folder's name, or the zip's name without .zip (a safe stand-in when that is not a safe id)
    path: Path
    problem: str | None = None  # why it cannot be graded, known without opening it (its name, a link, ...)


class BadSubmission(Exception):
    """A submission that cannot be graded at all (empty, no modules, unsafe zip); the message says why."""


def id_problem(name: str) -> str | None:
    """Why `name` cannot be a submission id (it names folders, CSV rows and report links), or None."""
    try:
        encoded = name.encode("utf-8")
    except UnicodeEncodeError:
        return "it is not valid UTF-8 text"
    if not name.strip():
        return "it is blank"
    if name != name.strip():
        return "it starts or ends with a space"
    if name.startswith((".", "_")) or ".." in name:
        return "it starts with '.' or '_' or holds '..'"
    for character in name:
        if character in ID_FORBIDDEN or unicodedata.category(character) in ID_FORBIDDEN_CATEGORIES:
            return f"it holds {character!r}, which breaks file paths or web pages"
    if len(encoded) > ID_MAX_BYTES:
        return f"it is longer than {ID_MAX_BYTES} bytes"
    return None


def safe_id(name: str) -> str:
    """A stand-in id for a name that cannot be one: the name's safe characters and a hash of its bytes."""
    raw = os.fsencode(name)
    text = raw.decode("utf-8", "replace")
    kept = "".join("_" if character in ID_FORBIDDEN or character == "\ufffd"
                   or unicodedata.category(character) in ID_FORBIDDEN_CATEGORIES else character
                   for character in text).replace("..", "__")
    kept = kept.encode()[:80].decode("utf-8", "ignore").lstrip()
    while kept[:1] in (".", "_") or kept[:1].isspace():
        kept = kept[1:]
    return f"{kept or 'submission'}~{hashlib.sha256(raw).hexdigest()[:10]}"


def discover(folder) -> list[Entry]:
    """Every submission in `folder`, sorted by id; hidden files and files other than zips are left out.

    Each folder, .zip file or link to either is one entry, even when it cannot be graded:
    then `problem` says why (the grading records it as unreadable, under a safe id).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder of submissions")
    entries: dict[str, Entry] = {}
    for path in sorted(folder.iterdir(), key=lambda path: os.fsencode(path.name)):
        name = path.name
        if name.startswith((".", "_")):
            continue
        try:
            mode = path.lstat().st_mode
            suffix = next((s for s in (".zip", ".ipynb") if name.lower().endswith(s)), None)
            is_file = suffix is not None and not stat.S_ISDIR(mode)  # a zip, or a notebook on its own
            if not is_file and not path.is_dir():
                continue  # notes.txt, or a link to something that is not a submission (or to nothing)
        except OSError:
            continue  # gone since the listing
        wanted = name[:-len(suffix)] if is_file else name
        problem = None
        if stat.S_ISLNK(mode):
            problem = (f"{_shown(name)} is a symbolic link; links are not followed (one could point at any "
                       "file the grader can read): put the submission itself in the class folder")
        elif is_file and not stat.S_ISREG(mode):
            problem = f"{_shown(name)} is not a regular file"
        why = id_problem(wanted)
        entry_id = wanted if why is None else safe_id(name)
        if why is not None:
            problem = (f"its name {_shown(wanted)} cannot be used as an id ({why}); it is recorded as "
                       f"{entry_id!r}. Rename it to grade it")
        if entry_id in entries:  # ann/ and ann.zip (or ann.ipynb): the second is not graded in the first one's place
            taken = entries[entry_id].path.name
            entry_id, tries = safe_id(name), 0
            while entry_id in entries:  # a folder named like another's stand-in id
                tries += 1
                entry_id = safe_id(f"{name}~{tries}")
            problem = (f"another submission, {_shown(taken)}, has the same id {wanted!r}; rename one of them "
                       "to grade both")
        entries[entry_id] = Entry(entry_id, path, problem)
    return sorted(entries.values(), key=lambda entry: entry.id)


def _shown(name: str) -> str:
    """A file name for a reason: quoted, its undecodable bytes and control characters escaped."""
    return ascii(name) if id_problem(name) else repr(name)


def in_shard(entry_id: str, shard: tuple[int, int] | None) -> bool:
    """Whether a submission belongs to shard I of N: by a hash of its id, the same on every machine."""
    if shard is None:
        return True
    index, count = shard
    digest = int(hashlib.sha256(entry_id.encode("utf-8")).hexdigest()[:12], 16)
    return digest % count == index - 1


def parse_shard(text: str) -> tuple[int, int]:
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise ValueError(f"--shard {text!r}: write it as I/N, e.g. 2/8") from None
    if not 1 <= index <= count:
        raise ValueError(f"--shard {text!r}: I must be between 1 and N")
    return index, count


def prepare(entry: Entry, destination: Path, notes: list[str] | None = None) -> tuple[Path, str]:
    """Copy a submission's Python files into `destination` (world-readable); return it and a content hash.

    The hash covers the module files' names and bytes, so a re-upload of the same code
    is recognised as already graded, and any change to it is not. Anything that keeps the
    submission from being read raises BadSubmission with the reason; `destination` starts
    empty, whatever an earlier run left there. A notebook is converted into the modules here
    (grader.notebook), and what the student should be told of it is added to `notes`.
    """
    if entry.problem:
        raise BadSubmission(entry.problem)
    mode = entry.path.lstat().st_mode
    if stat.S_ISLNK(mode):  # made a link since it was found
        raise BadSubmission(f"{_shown(entry.path.name)} is a symbolic link; links are not followed")
    try:
        told: list[str] = []
        if stat.S_ISDIR(mode):
            files = _from_folder(entry.path, told)
        elif entry.path.name.lower().endswith(".ipynb"):
            files = _from_notebook(entry.path.name, _read_notebook(entry.path), told)
        else:
            files = _from_zip(entry.path, told)
    except OSError as error:  # a file it cannot read, a folder that vanished, ...
        raise BadSubmission(f"{_shown(entry.path.name)} could not be read ({_said(error)})") from None
    if not any(f"{name}.py" in files for name in MODULES):
        expected = ", ".join(f"{name}.py" for name in MODULES)
        raise BadSubmission(f"no assignment files found (expected {expected}, at the top or in assignment/, "
                            "or one notebook)")
    clear(destination)
    destination.mkdir(parents=True)
    digest = hashlib.sha256()
    for name, data in sorted(files.items()):
        (destination / name).write_bytes(data)
        (destination / name).chmod(stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP | stat.S_IROTH)
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    destination.chmod(0o755)
    if notes is not None:
        notes += told
    return destination, digest.hexdigest()


def content_hash(entry: Entry, reason: str) -> str:
    """What identifies a submission that could not be prepared: the reason, and the zip's bytes (a bounded read)."""
    digest = hashlib.sha256(reason.encode("utf-8", "backslashreplace"))
    try:
        if entry.problem is None and stat.S_ISREG(entry.path.lstat().st_mode):
            with open(entry.path, "rb") as handle:
                for _ in range(2 * ZIP_MAX_BYTES // 2**20):
                    chunk = handle.read(2**20)
                    if not chunk:
                        break
                    digest.update(chunk)
    except OSError:
        pass
    return digest.hexdigest()


def _importable(name: str) -> bool:
    """A file the submission's code could import: NAME.py with NAME a Python identifier (so valid UTF-8)."""
    return name.endswith(".py") and name[:-3].isidentifier()


def _from_notebook(name: str, data: bytes, notes: list[str]) -> dict[str, bytes]:
    """A notebook's definitions as the assignment's modules (grader.notebook), as files to grade."""
    try:
        converted = convert(data, name)
    except NotANotebook as error:
        raise BadSubmission(f"{_shown(name)} cannot be graded: {error}") from None
    except Exception as error:  # whatever a hostile notebook makes the reader or the parser raise
        raise BadSubmission(f"{_shown(name)} cannot be read as a notebook ({_said(error)})") from None
    notes += converted.notes
    return {filename: text.encode("utf-8", "replace") for filename, text in converted.files.items()}


def _read_notebook(path: Path) -> bytes:
    info = path.lstat()
    if not stat.S_ISREG(info.st_mode):
        raise BadSubmission(f"{_shown(path.name)} is not a regular file")
    if info.st_size > NOTEBOOK_MAX_BYTES:
        raise BadSubmission(f"{_shown(path.name)} is larger than {NOTEBOOK_MAX_BYTES // 2**20} MB")
    with open(path, "rb") as handle:
        return handle.read(NOTEBOOK_MAX_BYTES + 1)


def _notebooks_in(root: Path) -> list[Path]:
    """The notebooks of a folder with no modules: at the top, in assignment/, or in one wrapping folder."""
    inner = [p for p in root.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith((".", "_"))]
    folders = [root, root / "assignment"] + ([inner[0], inner[0] / "assignment"] if len(inner) == 1 else [])
    return [path for folder in dict.fromkeys(folders) if folder.is_dir() and not folder.is_symlink()
            for path in sorted(folder.glob("*.ipynb")) if not path.name.startswith(".") and not path.is_symlink()]


def _from_folder(root: Path, notes: list[str]) -> dict[str, bytes]:
    """The .py files beside the modules (or, with no modules, its one notebook's); symbolic links, other
    kinds of files and unimportable names left out."""
    source = _module_folder(root)
    if not any((source / f"{name}.py").is_file() for name in MODULES):
        notebooks = _notebooks_in(root)
        if len(notebooks) > 1:
            raise BadSubmission(f"{_shown(root.name)} holds {len(notebooks)} notebooks and no modules: keep the "
                                "one to grade")
        if notebooks:
            return _from_notebook(notebooks[0].name, _read_notebook(notebooks[0]), notes)
    files, total = {}, 0
    for path in sorted(source.iterdir()):
        if not _importable(path.name):
            continue
        info = path.lstat()
        # Symbolic links are left out: one could point at any file this (trusted) process can read.
        if not stat.S_ISREG(info.st_mode):
            continue
        total += info.st_size
        _check_size(root.name, path.name, info.st_size, total)
        with open(path, "rb") as handle:
            data = handle.read(PY_MAX_BYTES + 1)
        _check_size(root.name, path.name, len(data), total)
        files[path.name] = data
    return files


def _check_size(submission: str, name: str, size: int, total: int) -> None:
    if size > PY_MAX_BYTES:
        raise BadSubmission(f"{_shown(name)} is {size / 2**20:.0f} MB: too large to be source code "
                            f"(the limit is {PY_MAX_BYTES // 2**20} MB a file)")
    if total > ZIP_MAX_BYTES:
        raise BadSubmission(f"{_shown(submission)} is too large to be a submission (its .py files hold more "
                            f"than {ZIP_MAX_BYTES // 2**20} MB)")


def _module_folder(root: Path) -> Path:
    """Where the modules are: the top, assignment/, or inside one wrapping folder."""
    candidates = [root, root / "assignment"]
    inner = [p for p in root.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith((".", "_"))]
    if len(inner) == 1:
        candidates += [inner[0], inner[0] / "assignment"]
    for candidate in candidates:
        if candidate.is_symlink():
            continue
        if any((candidate / f"{name}.py").is_file() for name in MODULES):
            return candidate
    return root


def _from_zip(path: Path, notes: list[str]) -> dict[str, bytes]:
    """The .py files of the folder in a zip that holds the modules, read without extracting anything else."""
    shown = _shown(path.name)
    info = path.lstat()
    if not stat.S_ISREG(info.st_mode):  # a fifo would block the open for ever
        raise BadSubmission(f"{shown} is not a regular file")
    if info.st_size > 2 * ZIP_MAX_BYTES:
        raise BadSubmission(f"{shown} is too large to be a submission (more than {2 * ZIP_MAX_BYTES // 2**20} MB)")
    try:  # a broken zip raises more than BadZipFile: EOFError, ValueError, UnicodeDecodeError (a name), ...
        archive = zipfile.ZipFile(path)
    except Exception as error:
        raise BadSubmission(f"{shown} is not a readable zip file ({_said(error)})") from None
    with archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        if len(infos) > ZIP_MAX_FILES or sum(info.file_size for info in infos) > ZIP_MAX_BYTES:
            raise BadSubmission(f"{shown} is too large to be a submission "
                                f"(more than {ZIP_MAX_BYTES // 2**20} MB or {ZIP_MAX_FILES} files)")
        names = {}
        for info in infos:
            name = PurePosixPath(info.filename.replace("\\", "/"))
            if name.is_absolute() or ".." in name.parts:
                raise BadSubmission(f"{shown} holds an unsafe path: {info.filename!r}")
            if "__MACOSX" in name.parts or name.name.startswith("."):
                continue
            names[name] = info
        folders = {name.parent for name in names if name.suffix == ".py" and name.stem in MODULES}
        if not folders:
            notebooks = [name for name in names if name.suffix.lower() == ".ipynb"
                         and ".ipynb_checkpoints" not in name.parts]
            if len(notebooks) > 1:
                raise BadSubmission(f"{shown} holds {len(notebooks)} notebooks and no modules: keep the one to grade")
            if notebooks:
                info = names[notebooks[0]]
                if info.file_size > NOTEBOOK_MAX_BYTES:
                    raise BadSubmission(f"{shown}: {info.filename!r} is larger than {NOTEBOOK_MAX_BYTES // 2**20} MB")
                return _from_notebook(notebooks[0].name, _unpack(archive, info, shown, NOTEBOOK_MAX_BYTES), notes)
            return {}
        folder = min(folders, key=lambda f: (len(f.parts), str(f)))  # the shallowest holder of modules
        files = {}
        for name, info in names.items():
            if name.parent == folder and _importable(name.name):
                if info.file_size > PY_MAX_BYTES:
                    _check_size(path.name, name.name, info.file_size, 0)
                files[name.name] = _unpack(archive, info, shown)
        return files


def _unpack(archive: zipfile.ZipFile, info: zipfile.ZipInfo, shown: str, most: int = PY_MAX_BYTES) -> bytes:
    """One member, read in chunks so that a header that lies about its size cannot make it a bomb."""
    chunks, size = [], 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(2**16):
                size += len(chunk)
                if size > most:
                    raise BadSubmission(f"{shown}: {info.filename!r} unpacks to more than "
                                        f"{most // 2**20} MB")
                chunks.append(chunk)
    except BadSubmission:
        raise
    except Exception as error:  # a bad CRC, damaged deflate data, encryption, an unknown compression method
        raise BadSubmission(f"{shown} could not be unpacked: {info.filename!r} is damaged or "
                            f"unsupported ({_said(error)})") from None
    return b"".join(chunks)


def _said(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:300]


def remove(path) -> bool:
    """Delete a file, link or folder tree of any depth (links never followed); whether it is gone. Never raises.

    `shutil.rmtree` recurses (a 1,500-level chain left by student code raises RecursionError)
    and gives up on folders it cannot enter: `rm -rf` does neither, and what it leaves is
    made writable and removed again, without recursion.
    """
    path = Path(path)
    try:
        if not os.path.lexists(path):
            return True
        rm = shutil.which("rm")
        if rm:
            subprocess.run([rm, "-rf", "--", str(path)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=600, check=False)
        if os.path.lexists(path):
            _remove_tree(path)
        return not os.path.lexists(path)
    except Exception:  # a cleanup that fails loses no grading: the folder is tried again next time
        try:
            return not os.path.lexists(path)
        except Exception:
            return False


def clear(path) -> None:
    """Make sure nothing is at `path`: removed, or else moved aside (into .trash-* beside it, removed later)."""
    path = Path(path)
    if remove(path):
        return
    aside = path.parent / f".trash-{uuid.uuid4().hex}"
    try:
        os.rename(path, aside)
    except OSError as error:
        raise OSError(f"{path} is left from an earlier run and can be neither removed nor moved aside "
                      f"({error.strerror or error})") from None
    remove(aside)


def _remove_tree(top: Path) -> None:
    """Remove a tree with an explicit stack (no recursion), making each folder enterable first."""
    stack = [(os.fspath(top), False)]
    while stack:
        path, emptied = stack.pop()
        try:
            info = os.lstat(path)
            if not stat.S_ISDIR(info.st_mode):
                os.unlink(path)
            elif emptied:
                os.rmdir(path)
            else:
                if info.st_mode & 0o700 != 0o700:
                    os.chmod(path, info.st_mode | 0o700)
                stack.append((path, True))
                with os.scandir(path) as listing:
                    stack.extend((child.path, False) for child in listing)
        except OSError:
            continue

"""Finding the submissions of a class: folders and .zip files, each with a stable id and a content hash."""
from __future__ import annotations

import hashlib
import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from grader.probes.student_code import MODULES

ZIP_MAX_BYTES = 50 * 2**20  # uncompressed; a zip bomb is refused, not extracted
ZIP_MAX_FILES = 2000


@dataclass(frozen=True)
class Entry:
    """One submission as found in the class folder (not yet prepared for grading)."""

    id: str  # the folder's name, or the zip's name without .zip
    path: Path


class BadSubmission(Exception):
    """A submission that cannot be graded at all (empty, no modules, unsafe zip); the message says why."""


def discover(folder) -> list[Entry]:
    """Every submission in `folder`, sorted by id; hidden files and other files are left out."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder of submissions")
    entries = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith((".", "_")):
            continue
        if path.is_dir():
            entries.setdefault(path.name, Entry(path.name, path))
        elif path.suffix.lower() == ".zip":
            entries.setdefault(path.stem, Entry(path.stem, path))
    return sorted(entries.values(), key=lambda entry: entry.id)


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


def prepare(entry: Entry, destination: Path) -> tuple[Path, str]:
    """Copy a submission's Python files into `destination` (world-readable); return it and a content hash.

    The hash covers the module files' names and bytes, so a re-upload of the same code
    is recognised as already graded, and any change to it is not.
    """
    destination.mkdir(parents=True, exist_ok=True)
    if entry.path.is_dir():
        source = _module_folder(entry.path)
        # Symbolic links are left out: one could point at any file this (trusted) process can read.
        files = {p.name: p.read_bytes() for p in sorted(source.glob("*.py")) if p.is_file() and not p.is_symlink()}
    else:
        files = _from_zip(entry.path)
    if not any(f"{name}.py" in files for name in MODULES):
        expected = ", ".join(f"{name}.py" for name in MODULES)
        raise BadSubmission(f"no assignment files found (expected {expected}, at the top or in assignment/)")
    digest = hashlib.sha256()
    for name, data in sorted(files.items()):
        (destination / name).write_bytes(data)
        (destination / name).chmod(stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP | stat.S_IROTH)
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    destination.chmod(0o755)
    return destination, digest.hexdigest()


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


def _from_zip(path: Path) -> dict[str, bytes]:
    """The .py files of the folder in a zip that holds the modules, read without extracting anything else."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise BadSubmission(f"{path.name} is not a readable zip file ({error})") from None
    with archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        if len(infos) > ZIP_MAX_FILES or sum(info.file_size for info in infos) > ZIP_MAX_BYTES:
            raise BadSubmission(f"{path.name} is too large to be a submission "
                                f"(more than {ZIP_MAX_BYTES // 2**20} MB or {ZIP_MAX_FILES} files)")
        names = {}
        for info in infos:
            name = PurePosixPath(info.filename.replace("\\", "/"))
            if name.is_absolute() or ".." in name.parts:
                raise BadSubmission(f"{path.name} holds an unsafe path: {info.filename!r}")
            if "__MACOSX" in name.parts or name.name.startswith("."):
                continue
            names[name] = info
        folders = {name.parent for name in names if name.suffix == ".py" and name.stem in MODULES}
        if not folders:
            return {}
        folder = min(folders, key=lambda f: (len(f.parts), str(f)))  # the shallowest holder of modules
        return {name.name: archive.read(info) for name, info in names.items()
                if name.parent == folder and name.suffix == ".py"}


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)

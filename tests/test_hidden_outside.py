"""Hidden things stay outside the sandbox in every install (issue 19, item 6).

The sandbox binds the interpreter's prefix read-only, so that Python works. The Gradescope
bundle's setup.sh installs the grader into a virtualenv with a plain (non-editable) `pip
install`, which puts grader/hidden into that prefix's site-packages; an editable install
(the dev setup, CI's) leaves a finder there that maps `grader.*` to the repository instead,
and a warm worker's zygote imports the grader outside the sandbox. Each test here grades a
probing submission (tests/probe_hidden.py) in a batch, warm and cold, with the bundle's
install and with the dev setup, and proves that nothing of grader/hidden or reference/ can
be read from inside: no file, no listing, no install record naming them, no string only
they hold, nothing in memory; while the trusted side still grades the hidden items.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.batch.sandbox import bubblewrap, masks
from grader.gradescope import build_bundle
from grader.rubric import load_rubric
from tests.conftest import REPOSITORY, STUBS, rows

# `pytest tests -n 2`: with the other batch tests, on one worker (see tests/conftest.py)
pytestmark = pytest.mark.xdist_group("batch")
needs_sandbox = pytest.mark.skipif(bubblewrap() is None, reason="needs bubblewrap, run as root (.ci/run installs it)")

HIDDEN = REPOSITORY / "grader" / "hidden"
PROBE = Path(__file__).with_name("probe_hidden.py")
HIDDEN_IDS = [item.id for item in load_rubric().items if item.visibility == "hidden"]


def hidden_markers() -> dict[str, list[str]]:
    """Per file of grader/hidden, strings that it holds and no public file of the grader does.

    Its verdicts' function names, its items' ids, the held-back answers' long numbers: if the
    probe reads one of them anywhere, something of grader/hidden was readable.
    """
    public = [path.read_text(encoding="utf-8", errors="replace") for path in (REPOSITORY / "grader").rglob("*")
              if path.is_file() and HIDDEN not in path.parents and path.suffix in (".py", ".toml", ".json")]
    public += [STUBS.joinpath(name).read_text() for name in os.listdir(STUBS) if name.endswith(".py")]
    found = {
        "verdicts.py": re.findall(r"^def (\w+)", (HIDDEN / "verdicts.py").read_text(), re.MULTILINE),
        "rubric.toml": re.findall(r'^id = "([^"]+)"', (HIDDEN / "rubric.toml").read_text(), re.MULTILINE),
        "held_back.json": re.findall(r"\d\.\d{12,}", (HIDDEN / "held_back.json").read_text())[:40],
    }
    markers = {name: [text for text in dict.fromkeys(texts) if not any(text in other for other in public)][:5]
               for name, texts in found.items()}
    assert all(markers.values()), markers  # each hidden file has strings of its own to look for
    return markers


MARKERS = hidden_markers()


def probing_class(folder: Path, names) -> Path:
    """Submissions that are the stubs, with the probe run as their data.py is imported."""
    probe = PROBE.read_text().replace("MARKERS = ()", f"MARKERS = {tuple(sum(MARKERS.values(), []))!r}", 1)
    assert "MARKERS = ()" not in probe
    for name in names:
        shutil.copytree(STUBS, folder / name / "assignment", ignore=shutil.ignore_patterns("__pycache__"))
        data = folder / name / "assignment" / "data.py"
        data.write_text(data.read_text() + "\n\n" + probe)
    return folder


def probe_in_batch(python: str, tmp_path: Path, warm: bool, cwd: Path, env: dict) -> dict:
    """Grade probing submissions in `grader batch` run by `python`: {submission: (gradebook row, findings)}."""
    names = ["ann", "ben"] if warm else ["cy"]  # one pending submission is graded cold, more are warm
    command = [python, "-m", "grader", "batch", str(probing_class(tmp_path / "class", names)),
               "--out", str(tmp_path / "results"), "-j", "1", "--timeout", "300", *([] if warm else ["--cold"])]
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert f"Isolated in a sandbox, {'warm' if warm else 'cold'} workers" in done.stdout, done.stdout[-2000:]
    assert "turned off" not in done.stdout, done.stdout[-2000:]  # warm ones stayed warm
    graded = {}
    for name, row in rows(tmp_path / "results").items():
        said = [line for line in row["log"].splitlines() if line.startswith("hidden-probe: ")]
        assert len(said) == 1 and not said[0].startswith("hidden-probe: failed"), row["log"][-3000:]
        graded[name] = (row, json.loads(said[0].removeprefix("hidden-probe: ")))
    assert sorted(graded) == names
    return graded


def assert_nothing_hidden_readable(graded: dict) -> None:
    for name, (row, found) in graded.items():
        assert found["looked_in"] > 5 and found["graders"], found  # it found the grader it runs, at least
        assert found["opened"] == {} and found["listed"] == {}, found  # no file of grader/hidden or reference/
        assert found["marker_hits"] == [] and found["records"] == [], found  # nor what only they hold
        assert found["memory"] == [], found  # nor the hidden verdicts, imported before the sandbox
        assert found["hidden_spec"] is None and found["hidden_import"].startswith("ModuleNotFoundError"), found
        for marker in sum(MARKERS.values(), []):
            assert marker not in row["log"], (name, marker)
        # the trusted side, outside, graded the hidden items all the same
        tests = json.loads(row["results_json"])["tests"]
        for item in HIDDEN_IDS:
            assert [t for t in tests if t["name"].startswith(f"{item}: ") and t["visibility"] == "hidden"], item
        assert row["status"] == "graded" and row["score"] == 0, dict(row)


def test_a_repository_inside_a_bound_folder_has_its_hidden_checks_and_reference_covered():
    """Wherever the running grader's repository is, were a bind to show it, its grader/hidden/ and
    reference/ would be covered (say a clone under /usr/local, which the sandbox binds whole)."""
    repository = REPOSITORY.resolve()
    covered = [mask for mask in masks([[str(repository.parent), "/inside"]]) if mask[0].startswith("/inside/")]
    records = [[f"/inside/{repository.name}/{path.relative_to(repository)}", "file"]
               for path in repository.glob("*.egg-info/SOURCES.txt")]  # `pip install -e .` lists hidden files there
    assert sorted(covered) == sorted([[f"/inside/{repository.name}/grader/hidden", "folder"],
                                      [f"/inside/{repository.name}/reference", "folder"], *records]), covered
    assert masks([["/nowhere/near", "/x"]]) == []


# ---------------------------------------------------------------- the Gradescope bundle's install

@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> dict:
    """The bundle's layout, as its setup.sh makes it: source/ (the zip, unpacked) installed into venv/ by pip.

    Tests have no network: the venv sees this interpreter's packages (TensorFlow and the
    rest), and pip installs the grader alone, from source/, without an index; a plain
    install, not an editable one, as setup.sh's.
    """
    root = tmp_path_factory.mktemp("gradescope") / "autograder"
    with zipfile.ZipFile(build_bundle(root.parent / "autograder.zip")) as archive:
        archive.extractall(root / "source")
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(root / "venv")], check=True,
                   timeout=300)
    python = str(root / "venv" / "bin" / "python")
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    pip = subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
                          "--no-build-isolation", "--no-index", str(root / "source")],
                         cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert pip.returncode == 0, pip.stdout[-2000:] + pip.stderr[-3000:]
    where = subprocess.run([python, "-c", "import grader, sys; print(grader.__file__)"], cwd=root.parent, env=env,
                           capture_output=True, text=True, check=True).stdout.strip()
    installed = Path(where).parent
    assert installed.is_relative_to(root / "venv") and (installed / "hidden" / "held_back.json").is_file(), where
    return {"root": root, "python": python, "env": env, "installed": installed}


def test_the_sandbox_covers_the_hidden_checks_the_bundles_install_holds(bundle):
    """What the sandbox hides, as the bundle's interpreter computes it: its site-packages' grader/hidden
    and the install record that lists its files, each under a bind of the interpreter's prefix."""
    show = ("import json; from grader.batch.sandbox import _prefixes, masks; "
            "print(json.dumps(masks([['/usr', '/usr']] + [[p, p] for p in _prefixes()])))")
    done = subprocess.run([bundle["python"], "-c", show], cwd=bundle["root"].parent, env=bundle["env"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    covered = dict(map(tuple, json.loads(done.stdout)))
    assert covered.get(str(bundle["installed"].resolve() / "hidden")) == "folder", covered
    records = [path for path, kind in covered.items() if kind == "file" and path.endswith("/RECORD")]
    assert records and all(bundle["installed"].parent.resolve() in Path(path).parents for path in records), covered


@pytest.mark.parametrize("warm", [True, False], ids=["warm", "cold"])
@pytest.mark.slow
@needs_sandbox
def test_nothing_hidden_is_readable_in_the_sandbox_of_the_bundles_install(bundle, tmp_path, warm):
    graded = probe_in_batch(bundle["python"], tmp_path, warm, cwd=tmp_path, env=bundle["env"])
    assert_nothing_hidden_readable(graded)
    for _, found in graded.values():
        # the probe looked where the install put grader/hidden, and found it empty
        assert str(bundle["installed"] / "hidden") in found["empty"], found
        assert str(bundle["installed"]) in found["graders"], found


# ---------------------------------------------------------------- the dev setup: an editable install

@pytest.mark.parametrize("warm", [True, False], ids=["warm", "cold"])
@pytest.mark.slow
@needs_sandbox
def test_nothing_hidden_is_readable_in_the_sandbox_of_the_dev_setup(tmp_path, warm):
    """`grader batch` from the repository, as the README says (an editable install; the repository first
    on sys.path): its grader/hidden is not bound, and the warm zygote must not import it either."""
    graded = probe_in_batch(sys.executable, tmp_path, warm, cwd=REPOSITORY, env=dict(os.environ))
    assert_nothing_hidden_readable(graded)

"""Notebooks as submissions (issue 22): grader/notebook.py, check(), export-student --notebook.

The fixtures in tests/notebooks/ take the shapes of notebooks students save (written by
make_notebooks.py from the reference and two mistake fixtures); each is graded exactly like its
.py twin, item by item. Then a real kernel runs the exported notebook with the reference pasted
in, and its check cell must show full marks.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.grading import grade_submission
from grader.notebook import CODE_MAX_CHARACTERS, NotANotebook, convert, failure_of, notebook_in, write_package
from tests.conftest import REFERENCE, REPOSITORY

NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"
sys.path.insert(0, str(NOTEBOOKS))
from make_notebooks import TWINS  # noqa: E402


def cells_of(*sources: str) -> bytes:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    return nbformat.writes(notebook).encode()


def kept(converted) -> str:
    return converted.code


# ---- what is taken from a notebook, and what never runs

def test_definitions_are_kept_and_top_level_work_is_not():
    converted = convert(cells_of(
        "import tensorflow as tf\nimport keras\nfrom keras import layers\nimport datetime",
        "IMG_SIZE = (150, 150)\nAUTOTUNE = tf.data.AUTOTUNE\naugment = keras.Sequential([layers.RandomFlip('horizontal')])\n"
        "log_dir = 'logs/fit/' + datetime.datetime.now().strftime('%Y%m%d')",
        "def build_model(input_shape=IMG_SIZE + (3,)):\n    return keras.Sequential([keras.Input(input_shape)])",
        "model = build_model()\nhistory = model.fit(train_ds, epochs=50)\nraw = tfds.load('cats_vs_dogs')\n"
        "ds = tf.keras.utils.image_dataset_from_directory('data')\nEPOCHS = 50",
    ), "work.ipynb")
    code = kept(converted)
    for wanted in ("import tensorflow as tf", "IMG_SIZE = (150, 150)", "AUTOTUNE = tf.data.AUTOTUNE",
                   "augment = keras.Sequential", "log_dir = 'logs/fit/'", "def build_model", "EPOCHS = 50"):
        assert wanted in code, wanted
    for never in ("model = build_model()", "model.fit", "tfds.load", "image_dataset_from_directory"):
        assert never not in code, never
    assert any("top-level statements never run" in note for note in converted.notes)


def test_kept_code_keeps_each_cell_s_line_numbers_and_names_the_cell(tmp_path):
    # imported afresh, whatever `assignment` another test of this process imported (load() sees to it)
    _notebook, _ = load(tmp_path, "x = 1", "%matplotlib inline\nimport math\n\n\ndef f():\n    return math.nope\n")
    package = tmp_path / "package_0" / "assignment"
    with pytest.raises(AttributeError) as raised:
        _notebook.f()
    frame = raised.traceback[-1]
    assert Path(str(frame.path)).name == "work.ipynb, code cell 2 (%matplotlib inline)"
    assert frame.lineno + 1 == 6  # pytest counts from 0: line 6 of the cell
    assert "return math.nope" in str(frame.statement)
    assert (package / "model.py").is_file() and not (package / "explore.py").exists()  # no explore step in it


def test_ipython_lines_cell_magics_and_broken_cells_are_skipped_with_a_note():
    converted = convert(cells_of("!pip install -q tensorflow-datasets\n%load_ext tensorboard\nimport os",
                                 "%%time\nmodel.fit(train_ds)",
                                 "def f(:\n    pass",
                                 "from google.colab import drive\ndrive.mount('/content/drive')",
                                 "import not_a_module_anywhere",
                                 "model.summary?"), "colab.ipynb")
    notes = "\n".join(converted.notes)
    assert "code cell 1: IPython's `!pip install -q tensorflow-datasets`" in notes and "import os" in converted.code
    assert "code cell 2 was skipped: it is a cell magic (%%time)" in notes
    assert "code cell 3 was skipped: it does not parse as Python (line 1" in notes
    assert "google.colab" in notes and "not_a_module_anywhere is not installed" in notes
    assert "code cell 6: IPython's `model.summary?`" in notes


def test_the_last_definition_wins_and_the_note_says_so():
    converted = convert(cells_of("def summarize(history):\n    return 1", "def summarize(history):\n    return 2",
                                 "EPOCHS = 50", "EPOCHS = 50"), "work.ipynb")
    assert converted.notes == ["work.ipynb: summarize is defined in code cell 1 and code cell 2: the last one, "
                               "in code cell 2, is the one graded."]  # the same EPOCHS twice: nothing to say
    scope: dict = {}
    exec(converted.code, scope)  # noqa: S102
    assert scope["summarize"](None) == 2


def test_a_file_that_is_not_a_notebook_is_refused_with_the_reason():
    with pytest.raises(NotANotebook, match="not a notebook"):
        convert(b'{"cells": [', "broken.ipynb")
    with pytest.raises(NotANotebook):
        convert(b"just text", "notes.ipynb")


def load(tmp_path, *sources, name="work.ipynb"):
    """The converted package of these cells, imported: (its _notebook module, the Converted)."""
    import importlib

    converted = convert(cells_of(*sources), name)
    folder = tmp_path / f"package_{len(list(tmp_path.iterdir()))}"
    write_package(converted, folder)
    sys.path.insert(0, str(folder))
    try:
        for stale in [n for n in sys.modules if n == "assignment" or n.startswith("assignment.")]:
            del sys.modules[stale]
        return importlib.import_module("assignment._notebook"), converted
    finally:
        sys.path.remove(str(folder))
        for stale in [n for n in sys.modules if n == "assignment" or n.startswith("assignment.")]:
            del sys.modules[stale]


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("abcdef():=!%?;@\n\r\t #'\"[]{}.,01\\\x0c\u2028")),
                        max_size=60), max_size=6))
def test_any_cells_convert_into_modules_and_statements_that_compile(sources):
    converted = convert(cells_of(*sources), "fuzz.ipynb")
    for text in converted.files.values():
        compile(text, "module", "exec")
    scope: dict = {}
    exec(converted.files["_notebook.py"].split("_GRADER_FAILED = {}")[0], scope)  # noqa: S102  the cells, as data
    for _name, lines, statements in scope["_GRADER_CELLS"]:
        for line, source, _names in statements:
            compile("\n" * (line - 1) + source, "cell", "exec")  # each kept statement alone, at its line
            assert source.splitlines()[0] in lines[line - 1]


def test_a_statement_sharing_a_line_is_kept_or_left_out_alone(tmp_path):
    module, _ = load(tmp_path, "EPOCHS = 5; RAN = print('the grader ran a print')",
                     "BATCH = 2; model.fit(x,\n y)", "model.fit(x,\n y); SIZE = 3",
                     "# pasted:\u2028see the docs\nimport os\nprint('ran')\x0c\nX = 1")
    assert (module.EPOCHS, module.BATCH, module.SIZE, module.X) == (5, 2, 3, 1)
    assert not hasattr(module, "RAN") and hasattr(module, "os")


def test_ipython_escapes_are_read_where_ipython_reads_them(tmp_path):
    triple = "'" * 3
    module, converted = load(tmp_path, "%matplotlib inline\n"
                             "def is_dog(label, name):\n    return (name\n            != 'cat')\n\n"
                             "def pct(a, n):\n    return (a\n        % n)\n\n"
                             "def listing():\n    files = !ls\n    return files\n"
                             f"TEXT = {triple}\n!important\n{triple}")
    assert module.is_dog(0, "dog") and module.pct(7, 4) == 3 and module.TEXT == "\n!important\n"
    assert "listing" in vars(module) and not failure_of(module, "listing")
    assert "`%matplotlib inline`" in converted.notes[0] and "!important" not in converted.notes[0]


def test_lambdas_comprehensions_and_star_imports_define_constants(tmp_path):
    module, _ = load(tmp_path, "from math import *\nimport tensorflow as tf",
                     "scale = lambda image, label: (image / 255.0, label)\n"
                     "CLASS_NAMES = [n.title() for n in ('cat', 'dog')]\nROOT = sqrt(16)")
    assert module.scale(255.0, 1) == (1.0, 1) and module.CLASS_NAMES == ["Cat", "Dog"] and module.ROOT == 4.0


def test_what_fetches_or_reads_the_student_s_disk_is_left_out_and_a_failure_stays_local(tmp_path):
    module, converted = load(tmp_path, "import os, zipfile\nimport tensorflow as tf",
                             "zip_ref = zipfile.ZipFile('/tmp/cats_and_dogs_filtered.zip', 'r')\n"
                             "names = os.listdir('/content/train/cats')\n"
                             "base = tf.keras.applications.MobileNetV2(input_shape=(160, 160, 3), include_top=False)\n"
                             "other = make_base(weights='imagenet')",
                             "train_ds = tfds.load('cats_vs_dogs')\nSTEPS = 3\n"
                             "def train(model, data=train_ds, epochs=STEPS):\n    return model\n"
                             "def summarize(history):\n    return {}")
    assert not {"zip_ref", "names", "base", "other"} & set(vars(module))
    assert "summarize" in vars(module) and "train" not in vars(module)  # its default reads a name never defined
    assert failure_of(module, "train").startswith("NameError: name 'train_ds' is not defined (in work.ipynb, code cell 3")


def test_a_notebook_s_name_is_text_never_code(tmp_path):
    quotes = '"' * 3
    name = f'x{quotes}+print("injected")+{quotes}\x1b[2J\n.ipynb'
    module, converted = load(tmp_path, "def build_model():\n    return 1\nbuild_model()", name=name)
    assert module.build_model() == 1
    assert all("\x1b" not in note and "\n" not in note for note in converted.notes)
    with pytest.raises(NotANotebook, match="more than"):
        convert(b"", "big.ipynb", cells=["x = 1\n" * (CODE_MAX_CHARACTERS // 6 + 1)])


def test_a_notebook_is_found_alone_or_as_the_only_one_in_a_folder(tmp_path):
    (tmp_path / "one").mkdir()
    (tmp_path / "one" / "work.ipynb").write_bytes(cells_of("x = 1"))
    assert notebook_in(tmp_path / "one") == tmp_path / "one" / "work.ipynb"
    assert notebook_in(tmp_path / "one" / "work.ipynb") == tmp_path / "one" / "work.ipynb"
    (tmp_path / "one" / "other.ipynb").write_bytes(cells_of("x = 2"))
    assert notebook_in(tmp_path / "one") is None  # two: which one is the work is not for the grader to guess
    assert notebook_in(REFERENCE) is None  # modules: they are the submission
    from grader.probes.student_code import Submission

    # the folder a notebook is in (a downloads folder, a parent of the grader's own) is not the
    # submission's: pytest grader would take the grader's settings there for the student's own
    assert tmp_path / "one" not in Submission(tmp_path / "one" / "work.ipynb").folders


# ---- notebook fixtures, graded like their .py twins

def test_every_fixture_notebook_is_up_to_date_with_the_reference(tmp_path):
    """make_notebooks.py writes them from the reference: run again, it writes the same files."""
    subprocess.run([sys.executable, str(NOTEBOOKS / "make_notebooks.py"), str(tmp_path)], check=True,
                   capture_output=True, cwd=REPOSITORY)
    for name in TWINS:
        fresh = (tmp_path / f"{name}.ipynb").read_text(encoding="utf-8")
        assert fresh == (NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"), \
            f"tests/notebooks/{name}.ipynb is stale: run `python tests/notebooks/make_notebooks.py`"


@pytest.mark.parametrize("name", sorted(TWINS))
def test_a_notebook_is_graded_exactly_like_its_py_twin(name, graded, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a top-level statement that ran would leave its file here
    grade = grade_submission(NOTEBOOKS / f"{name}.ipynb")
    twin = graded(TWINS[name])
    points, twins = {item.id: item.points for item in grade.items}, {item.id: item.points for item in twin.items}
    assert points == twins, [(item.id, item.found) for item in grade.items if item.points != twins.get(item.id)]
    assert not list(tmp_path.rglob("TOP_LEVEL_RAN"))
    assert all(note.startswith(f"{name}.ipynb: ") for note in grade.notes if ".ipynb" in note)


def test_a_traceback_points_into_the_notebook_cell_and_its_line(tmp_path):
    model = (REFERENCE / "model.py").read_text(encoding="utf-8").replace("layers.Flatten(),", "layers.Flaten(),")
    (tmp_path / "work.ipynb").write_bytes(cells_of("import keras", model))
    grade = grade_submission(tmp_path / "work.ipynb", areas=("model", "train"))
    item = next(item for item in grade.items if item.id == "model.from_scratch")
    line = 1 + model.splitlines().index(next(l for l in model.splitlines() if "layers.Flaten()" in l))
    assert f'File "work.ipynb, code cell 2 (' in item.detail and f"line {line}, in build_model" in item.detail
    assert "_notebook.py" not in item.detail and "layers.Flaten()," in item.detail
    missing = next(item for item in grade.items if item.id == "train.summarize")
    assert "work.ipynb defines no function named summarize" in missing.found


# ---- batch: a notebook as it comes in a class folder

def test_batch_takes_a_notebook_alone_in_a_folder_or_in_a_zip(tmp_path):
    import zipfile

    from grader.batch.submissions import BadSubmission, discover, prepare

    source = (NOTEBOOKS / "colab_reference.ipynb").read_bytes()
    (tmp_path / "class" / "folder" / "assignment").mkdir(parents=True)
    (tmp_path / "class" / "folder" / "assignment" / "work.ipynb").write_bytes(source)
    (tmp_path / "class" / "alone.ipynb").write_bytes(source)
    with zipfile.ZipFile(tmp_path / "class" / "zipped.zip", "w") as archive:
        archive.writestr("cats/work.ipynb", source)
        archive.writestr("cats/.ipynb_checkpoints/work-checkpoint.ipynb", source)
    (tmp_path / "class" / "two").mkdir()
    (tmp_path / "class" / "two" / "a.ipynb").write_bytes(source)
    (tmp_path / "class" / "two" / "b.ipynb").write_bytes(source)
    (tmp_path / "class" / "garbled.ipynb").write_text('{"cells": 3', encoding="utf-8")
    entries = {entry.id: entry for entry in discover(tmp_path / "class")}
    assert set(entries) == {"alone", "folder", "garbled", "two", "zipped"}
    hashes = {}
    for name in ("alone", "folder", "zipped"):
        notes: list[str] = []
        folder, hashes[name] = prepare(entries[name], tmp_path / "out" / name, notes)
        assert {p.name for p in folder.iterdir()} >= {"_notebook.py", "data.py", "train.py", "explore.py"}
        assert any("google.colab" in note for note in notes)
    assert hashes["folder"] == hashes["zipped"]  # work.ipynb, however it came: the same content
    with pytest.raises(BadSubmission, match="2 notebooks"):
        prepare(entries["two"], tmp_path / "out" / "two")
    with pytest.raises(BadSubmission, match="not a notebook"):
        prepare(entries["garbled"], tmp_path / "out" / "garbled")


# ---- the students' copy as a notebook, run in a real kernel

def test_the_exported_notebook_with_the_reference_pasted_in_gets_full_marks_in_its_check_cell(tmp_path, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.delenv("PYTHONPATH", raising=False)  # the kernel imports the copy's grader, as a student's does

    copy = tmp_path / "copy"
    subprocess.run([sys.executable, "-m", "grader", "export-student", str(copy), "--notebook"], check=True,
                   capture_output=True, cwd=REPOSITORY)
    notebook = nbformat.read(copy / "assignment.ipynb", as_version=4)
    markdown = [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]
    assert any(text.startswith("## Step 1") for text in markdown) and "check()" in notebook.cells[-1].source
    from grader.stubs import implemented

    assert implemented(convert(nbformat.writes(notebook), "assignment.ipynb").code.encode()) == []  # stubs only
    steps = {"load_datasets": "data", "build_model": "model", "make_callbacks": "callbacks", "train": "train",
             "warmup": "explore"}
    for cell in notebook.cells:
        for function, module in steps.items():
            if cell.cell_type == "code" and f"def {function}(" in cell.source:
                cell.source = (REFERENCE / f"{module}.py").read_text(encoding="utf-8")
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(copy)}}).execute()
    shown = [output["data"]["text/html"] for output in notebook.cells[-1].outputs
             if output.get("data", {}).get("text/html")]
    assert shown and "Total: 99 / 99 points, + 10 / 10 extra credit" in shown[0], notebook.cells[-1].outputs
    assert "&nbsp;/&nbsp;" in shown[0] and "<table>" in shown[0]

    # the same notebook, saved, is what `pytest grader` grades in that copy (its modules are the stubs)
    nbformat.write(notebook, str(copy / "assignment.ipynb"))
    ran = subprocess.run([sys.executable, "-m", "pytest", "grader", "-p", "no:cacheprovider", "--grader-json",
                          str(tmp_path / "results.json")], capture_output=True, text=True, cwd=copy)
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["score"] == 109 and "Graded assignment.ipynb" in ran.stdout, ran.stdout[-2000:]

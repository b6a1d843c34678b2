"""Writes the notebook fixtures of this folder from the reference (and two mistake fixtures).

Run `python tests/notebooks/make_notebooks.py` (or with a folder to write them there instead). Each notebook takes
the shape of notebooks students save (Colab's metadata and outputs, IPython lines, training at
the top level, scratch cells, a function tried twice); tests/test_notebook.py grades each one
against its .py twin, named in TWINS. Run it again when the reference changes.
"""
from __future__ import annotations

import base64
import hashlib
import sys
import tempfile
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))
from tests.conftest import materialize  # noqa: E402

TWINS = {
    "colab_reference": "reference",
    "jupyter_top_level_training": "reference",
    "magics_and_shell": "reference",
    "scratch_cell_does_not_parse": "reference",
    "make_callbacks_tried_twice": "mistake_early_stopping_patience_10",
    "summarize_zero_based_with_outputs": "mistake_summarize_zero_based",
}
# A 1x1 PNG, as a plot's output would be (a real one is larger; its size does not matter here).
PIXEL = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")).decode()


def modules(twin: str) -> dict[str, str]:
    with tempfile.TemporaryDirectory() as scratch:
        folder = materialize(twin, Path(scratch)) / "assignment"
        return {path.stem: path.read_text(encoding="utf-8") for path in folder.glob("*.py")}


def body(source: str) -> str:
    """A module's code without its docstring and sibling imports, as it would sit in a cell."""
    lines = source.splitlines()
    if lines and lines[0].startswith('"""'):
        end = 0 if lines[0].count('"""') == 2 else next(i for i, l in enumerate(lines[1:], 1) if '"""' in l)
        lines = lines[end + 1:]
    return "\n".join(l for l in lines if not l.startswith(("from assignment", "from ."))).strip("\n")


def ran(cell, count, text=None, png=False):
    cell.execution_count = count
    if text:
        cell.outputs.append(new_output("stream", name="stdout", text=text))
    if png:
        cell.outputs.append(new_output("display_data", data={"image/png": PIXEL, "text/plain": "<Figure size 640x480>"}))
    return cell


def colab_reference(code):
    cells = [
        new_markdown_cell("# Cats vs dogs: a CNN from scratch, with callbacks\n\n[Open in Colab](https://colab.research.google.com/)"),
        ran(new_code_cell("!pip install -q tensorflow-datasets"), 1),
        ran(new_code_cell("from google.colab import drive\ndrive.mount('/content/drive')"), 2,
            "Mounted at /content/drive\n"),
        ran(new_code_cell("import os\nimport warnings\n\nimport numpy as np\nimport matplotlib.pyplot as plt\n"
                          "import tensorflow as tf\nimport tensorflow_datasets as tfds\nimport keras\n"
                          "from keras import layers\n\nprint(tf.__version__)"), 3, "2.17.0\n"),
        new_markdown_cell("## Step 1: the data"),
        ran(new_code_cell(code["data"]), 4),
        ran(new_code_cell("train_ds, val_ds = load_datasets()\nfor images, labels in train_ds.take(1):\n"
                          "    plt.imshow(images[0])\n    plt.title(int(labels[0]))"), 5, png=True),
        new_markdown_cell("## Step 2: the model"),
        ran(new_code_cell(code["model"]), 6),
        ran(new_code_cell("model = build_model()\nmodel.summary()"), 7, "Model: \"cats_vs_dogs_cnn\"\n...\n"),
        new_markdown_cell("## Step 3: callbacks"),
        ran(new_code_cell(code["callbacks"]), 8),
        new_markdown_cell("## Steps 4 and 5: train, then read the history"),
        ran(new_code_cell(code["train"]), 9),
        ran(new_code_cell("history = train(model, train_ds, val_ds, make_callbacks(), epochs=EPOCHS)"), 10,
            "Epoch 1/50\n582/582 - 41s - accuracy: 0.6120 - loss: 0.6571 - val_accuracy: 0.6810\n"),
        ran(new_code_cell("summarize(history)"), 11),
        ran(new_code_cell("plt.plot(history.history['accuracy'], label='train')\n"
                          "plt.plot(history.history['val_accuracy'], label='validation')\nplt.legend()\nplt.show()"),
            12, png=True),
        new_markdown_cell("## Step 6: explore"),
        ran(new_code_cell(code["explore"]), 13),
    ]
    notebook = new_notebook(cells=cells, metadata={
        "colab": {"provenance": [], "gpuType": "T4", "toc_visible": True},
        "accelerator": "GPU",
        "kernelspec": {"name": "python3", "display_name": "Python 3"},
        "language_info": {"name": "python"},
        "widgets": {"application/vnd.jupyter.widget-state+json": {
            "3f2c1a": {"model_module": "@jupyter-widgets/controls", "model_name": "HBoxModel",
                       "model_module_version": "1.5.0", "state": {"children": []}}}},
    })
    for cell in notebook.cells:
        cell.metadata["id"] = hashlib.sha256(cell.source.encode()).hexdigest()[:12]
    return notebook


def jupyter_top_level_training(code):
    """Everything at the top level, as in a course lab: the real dataset loaded and a 50-epoch fit."""
    cells = [
        new_code_cell("import tensorflow as tf\nimport tensorflow_datasets as tfds\nimport keras\nfrom keras import layers\n"
                      "import os, warnings\nimport matplotlib.pyplot as plt"),
        new_code_cell("(raw_train, raw_val), info = tfds.load('cats_vs_dogs', split=['train[:80%]', 'train[80%:]'],\n"
                      "                                     as_supervised=True, with_info=True)\n"
                      "print(info.features)\nopen('TOP_LEVEL_RAN', 'w').write('the grader ran a top-level statement')"),
        new_code_cell(code["data"]),
        new_code_cell(code["model"] + "\n\nmodel = build_model()\nmodel.summary()"),
        new_code_cell(code["callbacks"] + "\n\ncallbacks = make_callbacks()"),
        new_code_cell(code["train"]),
        new_code_cell("train_ds, val_ds = load_datasets()\nhistory = model.fit(train_ds, validation_data=val_ds, epochs=50,\n"
                      "                    callbacks=callbacks)\nprint(summarize(history))"),
        new_code_cell(code["explore"]),
        new_code_cell("model.save('final.keras')\nos.system('ls -la')"),
    ]
    for number, cell in enumerate(cells, start=1):
        ran(cell, number)
    return new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                                              "language": "python"}})


def magics_and_shell(code):
    cells = [
        new_code_cell("%matplotlib inline\n%load_ext tensorboard\n!pip install -q tensorflow-datasets\n!nvidia-smi"),
        new_code_cell(code["data"].replace("import tensorflow_datasets as tfds",
                                           "import tensorflow_datasets as tfds\n%config InlineBackend.figure_format = 'retina'")),
        new_code_cell(code["model"]),
        new_code_cell(code["callbacks"]),
        new_code_cell(code["train"] + "\n\n\ndef show_logs():\n    !ls -R logs\n    return None"),
        new_code_cell("%%time\ntrain_ds, val_ds = load_datasets()\nhistory = train(build_model(), train_ds, val_ds, make_callbacks())"),
        new_code_cell(code["explore"]),
        new_code_cell("%tensorboard --logdir logs"),
        new_code_cell("model.fit?"),
    ]
    return new_notebook(cells=cells)


def scratch_cell_does_not_parse(code):
    cells = [new_code_cell(code[name]) for name in ("data", "model", "callbacks")]
    cells.append(new_code_cell("# trying things out\nprint \"does this work?\"\nfor epoch in range(3:\n    pass"))
    cells += [new_code_cell(code[name]) for name in ("train", "explore")]
    return new_notebook(cells=cells)


def make_callbacks_tried_twice(code, reference):
    """The reference's make_callbacks first, then, further down, a try with patience 10 left in."""
    cells = [new_code_cell(reference[name]) for name in ("data", "model", "callbacks", "train")]
    cells.append(new_markdown_cell("Training stopped too early. Let's be more patient:"))
    cells.append(new_code_cell(code["callbacks"]))
    cells.append(new_code_cell(reference["explore"]))
    return new_notebook(cells=cells)


def summarize_zero_based_with_outputs(code):
    cells = [ran(new_code_cell(code[name]), number) for number, name in
             enumerate(("data", "model", "callbacks", "train", "explore"), start=1)]
    cells.append(ran(new_code_cell("summarize(history)"), 6, "{'epochs_run': 17, 'best_epoch': 11, ...}\n"))
    return new_notebook(cells=cells)


def main(out: Path = HERE) -> None:
    reference = {name: body(text) for name, text in modules("reference").items()}
    for name, twin in TWINS.items():
        code = {module: body(text) for module, text in modules(twin).items()}
        make = globals()[name]
        notebook = make(code, reference) if name == "make_callbacks_tried_twice" else make(code)
        for number, cell in enumerate(notebook.cells):  # nbformat draws random ids: these are the same every run
            cell["id"] = f"{name[:20]}-{number}"
        nbformat.validate(notebook)
        nbformat.write(notebook, str(out / f"{name}.ipynb"))
        print(f"wrote tests/notebooks/{name}.ipynb (twin: {twin})")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)

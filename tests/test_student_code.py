"""Loading and calling student code: one module's failure stays its own, tracebacks stay short."""
import sys
import textwrap
import time

import pytest

from grader.probes.student_code import Submission, SubmissionNotFound, find_package_dir


def write(folder, **modules):
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in modules.items():
        (folder / f"{name}.py").write_text(textwrap.dedent(body))
    return folder


def test_finds_assignment_folder_or_flat_modules(tmp_path):
    nested = write(tmp_path / "alice" / "assignment", callbacks="X = 1\n")
    flat = write(tmp_path / "bob", model="X = 1\n")
    assert find_package_dir(tmp_path / "alice") == nested
    assert find_package_dir(flat) == flat
    with pytest.raises(SubmissionNotFound, match="neither an assignment/ folder"):
        find_package_dir(write(tmp_path / "carol", notes="X = 1\n"))


def test_imports_between_student_modules_reach_this_submission(tmp_path):
    root = write(tmp_path / "s", data="SIZE = 7\n",
                 model="from assignment.data import SIZE\n", callbacks="from .data import SIZE\n")
    submission = Submission(root)
    assert submission.module("model").SIZE == 7
    assert submission.module("callbacks").SIZE == 7
    assert "assignment.data" not in sys.modules or sys.modules["assignment.data"].__file__ != str(root / "data.py")


def test_each_module_fails_on_its_own(tmp_path):
    root = write(tmp_path / "s", data="def f(:\n", model="raise RuntimeError('boom')\n",
                 callbacks="import sys\nsys.exit(3)\n", train="def train():\n    return 1\n")
    submission = Submission(root)
    data, model, callbacks = (submission.module(n) for n in ("data", "model", "callbacks"))
    assert data.kind == "import_error" and "SyntaxError" in data.summary and 'File "data.py", line 1' in data.traceback
    assert model.kind == "import_error" and model.summary == "RuntimeError: boom"
    assert callbacks.kind == "exited" and "exit code 3" in callbacks.summary
    assert submission.module("train").train() == 1


def test_not_implemented_only_when_the_student_raises_it(tmp_path):
    helper = write(tmp_path / "lib", helper="def later():\n    raise NotImplementedError('library')\n")
    sys.path.insert(0, str(helper))
    try:
        root = write(tmp_path / "s", train="""
            import helper

            def train():
                raise NotImplementedError("train: fit the model")

            def summarize(history):
                return helper.later()
        """)
        submission = Submission(root)
        _, stub = submission.call(submission.function("train", "train"))
        _, deeper = submission.call(submission.function("train", "summarize"), None)
    finally:
        sys.path.remove(str(helper))
    assert stub.kind == "not_implemented" and "not implemented yet" in stub.explain()
    assert deeper.kind == "raised"
    assert 'File "train.py", line 8, in summarize' in deeper.traceback
    assert "helper.py" not in deeper.traceback


def test_missing_module_and_function_are_named(tmp_path):
    submission = Submission(write(tmp_path / "s", callbacks="CHECKPOINT_PATH = 'x.keras'\n"))
    assert submission.module("train").kind == "missing"
    failure = submission.function("callbacks", "make_callbacks")
    assert failure.kind == "missing" and "no function named make_callbacks" in failure.explain()


def test_assignment_name_is_restored_after_loading(tmp_path):
    before = sys.modules.get("assignment")
    Submission(write(tmp_path / "s", data="X = 1\n")).module("data")
    assert sys.modules.get("assignment") is before


def test_an_endless_loop_costs_its_area_only(tmp_path):
    from grader.grading import probe_safely

    root = write(tmp_path / "s", train="""
        def train(model, train_ds, val_ds, callbacks, epochs=50):
            while True:
                try:
                    pass
                except Exception:
                    pass

        def summarize(history):
            return {}
    """)
    failure = probe_safely("train", Submission(root), tmp_path, timeout=3)
    assert failure.kind == "timeout" and "took longer than 3 s" in failure.explain()


def test_every_fixture_change_still_applies(tmp_path):
    """A fixture edits the reference by exact lines: editing the reference must not void it silently."""
    from tests.conftest import fixture_names, materialize

    for name in fixture_names():
        materialize(name, tmp_path)


def test_a_hanging_function_costs_its_own_items_and_the_others_still_grade(tmp_path):
    """summarize() never returns: only train.summarize is lost, with the limit in the message."""
    from grader.grading import AREA_TIMEOUT, grade_submission
    from tests.conftest import REFERENCE

    root = tmp_path / "s"
    root.mkdir()
    for module in REFERENCE.glob("*.py"):
        text = module.read_text()
        if module.name == "train.py":
            text = text.replace("def summarize(history):\n", "def summarize(history):\n    while True:\n"
                                "        try:\n            pass\n        except BaseException:\n            pass\n")
        (root / module.name).write_text(text)
    started = time.monotonic()
    grade = grade_submission(root, areas=("train",), call_timeout=2)
    assert grade.lost() == {"train.summarize"}
    lost = next(item for item in grade.items if not item.passed)
    assert "summarize() took longer than 2 s" in lost.found
    assert 'File "train.py"' in lost.detail  # where the loop was when it was stopped
    assert time.monotonic() - started < AREA_TIMEOUT / 4  # the limit was paid once, not per history


def test_time_limits_nest_and_the_outer_one_wins():
    from grader.limits import ProbeTimeout, time_limit

    caught = []
    with time_limit(30):
        with pytest.raises(ProbeTimeout) as error:
            with time_limit(0.3) as inner:
                for _ in range(100):  # swallowing the alarm does not help: it rings again
                    try:
                        time.sleep(0.05)
                    except ProbeTimeout:
                        caught.append(1)
                        if len(caught) == 2:
                            raise
        assert error.value.limit is inner and len(caught) == 2
    with pytest.raises(ProbeTimeout) as error:
        with time_limit(0.3) as short:
            with time_limit(30):
                time.sleep(5)
    assert error.value.limit is short  # the inner block's limit has not passed: not its timeout


def test_guarded_calls_turn_exits_and_replaced_builtins_into_failures(tmp_path):
    import builtins
    import os

    import keras

    genuine = (builtins.isinstance, keras.callbacks.EarlyStopping, keras.Model.fit, os._exit,
               keras.callbacks.ReduceLROnPlateau.on_epoch_end.__code__)
    root = write(tmp_path / "s", callbacks="""
        import builtins, os, sys
        import keras

        def leave():
            os._exit(0)

        def quit():
            sys.exit(2)

        def patch():
            builtins.isinstance = lambda obj, cls: True
            keras.callbacks.EarlyStopping = object
            keras.Model.fit = lambda self, *a, **k: None
            return "patched"

        def rewrite():
            keras.callbacks.ReduceLROnPlateau.on_epoch_end.__code__ = (lambda self, *a, **k: None).__code__

        def fake_timeout():
            from grader.limits import ProbeTimeout
            raise ProbeTimeout()
    """)
    submission = Submission(root)
    module = submission.module("callbacks")
    _, left = submission.call(module.leave)
    _, quit_ = submission.call(module.quit)
    value, patched = submission.call(module.patch)
    assert left.kind == "exited" and "called os._exit(0)" in left.explain()
    assert quit_.kind == "exited" and "exit code 2" in quit_.explain()
    assert value is None and patched.kind == "tampered"
    assert "builtins.isinstance" in patched.explain() and "the grader put it back" in patched.explain()
    _, rewritten = submission.call(module.rewrite)
    assert rewritten.kind == "tampered" and "ReduceLROnPlateau.on_epoch_end.__code__" in rewritten.explain()
    _, made_up = submission.call(module.fake_timeout)  # not the grader's: an error like any other
    assert made_up.kind == "raised" and "ProbeTimeout" in made_up.summary
    assert (builtins.isinstance, keras.callbacks.EarlyStopping, keras.Model.fit, os._exit,
            keras.callbacks.ReduceLROnPlateau.on_epoch_end.__code__) == genuine


def test_a_keras_error_reads_as_one_line_of_plain_text(tmp_path):
    write(tmp_path, model="""
        import keras

        def build_model(input_shape=(150, 150, 3)):
            inputs = keras.Input(shape=(64, 64, 3))
            x = inputs
            for filters in (32, 64, 128, 256):
                x = keras.layers.Conv2D(filters, 3)(x)
                x = keras.layers.MaxPooling2D()(x)
            return keras.layers.Conv2D(8, 3)(x)
    """)
    submission = Submission(tmp_path)
    _, failure = submission.call(submission.function("model", "build_model"))
    assert failure.kind == "raised" and failure.summary.startswith("ValueError: Computed output size")
    assert "\n" not in failure.summary and "\x1b[" not in failure.summary
    assert "Arguments received" not in failure.summary


def test_a_failing_init_is_named_by_every_module_and_runs_once(tmp_path):
    root = write(tmp_path / "s", __init__="COUNT = []\nraise RuntimeError('init broke')\n",
                 data="X = 1\n", model="X = 1\n")
    submission = Submission(root)
    data, model = submission.module("data"), submission.module("model")
    assert data is model and data.kind == "import_error" and data.where == "__init__.py"
    assert data.summary == "RuntimeError: init broke" and 'File "__init__.py", line 2' in data.traceback
    assert "init broke" in data.explain()


def test_student_code_runs_in_the_scratch_folder_and_leaves_the_working_folder_alone(tmp_path, monkeypatch):
    import os

    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    root = write(tmp_path / "s", __init__="open('init.txt', 'w').write('x')\n", callbacks="""
        import os
        open("import.txt", "w").write("x")

        def make_callbacks(path):
            open("call.txt", "w").write("x")
            os.chdir("/")
            return []
    """)
    work = tmp_path / "work"
    submission = Submission(root, workdir=work)
    returned, failure = submission.call(submission.function("callbacks", "make_callbacks"), "x.keras")
    assert returned == [] and failure is None
    assert sorted(p.name for p in work.iterdir()) == ["call.txt", "import.txt", "init.txt"]
    assert os.getcwd() == str(here) and not list(here.iterdir()) and not list(root.glob("*.txt"))
    lone = Submission(root)  # no scratch folder given: one of its own, never the working folder
    lone.module("callbacks")
    assert lone.workdir != here and (lone.workdir / "import.txt").is_file() and not list(here.iterdir())


def test_files_named_like_libraries_leave_sys_path_and_the_real_library_is_used(tmp_path, monkeypatch):
    from grader.probes.student_code import shadowing_note

    root = write(tmp_path / "s", keras="raise ImportError('not keras')\n", json="X = 1\n",
                 helpers="X = 1\n", callbacks="import keras, json\nK, J = keras, json\n")
    monkeypatch.syspath_prepend(str(root))  # as when pytest is started in the submission folder
    submission = Submission(root)
    shadows = submission.keep_libraries_real()
    assert shadows == [("json.py", "json"), ("keras.py", "keras")]
    assert str(root) not in sys.path
    module = submission.module("callbacks")
    assert module.K.__name__ == "keras" and hasattr(module.K, "callbacks") and hasattr(module.J, "dumps")
    note = shadowing_note(shadows, submission)
    assert "keras.py (named like the module keras, which callbacks.py imports)" in note and "helpers" not in note
    assert shadowing_note([]) is None

"""The rubric file: well formed, and every item judged by exactly one verdict."""
import re
import tomllib

import pytest

from grader.facts import Failure
from grader.grading import load_verdicts
from grader.rubric import RubricError, load_rubric
from grader.verdicts import VERDICTS
from tests.conftest import REPOSITORY

load_verdicts()


def test_every_item_has_one_verdict_and_every_verdict_an_item():
    rubric = load_rubric()
    assert {item.id for item in rubric.items} == set(VERDICTS)


def test_every_item_id_is_written_out_once_in_the_verdict_that_judges_it():
    """`grep '"early_stopping.monitor"' grader` finds the rubric entry and exactly one @verdict."""
    sources = [*(REPOSITORY / "grader" / "verdicts").glob("*.py"), REPOSITORY / "grader" / "hidden" / "verdicts.py"]
    text = "\n".join(path.read_text(encoding="utf-8") for path in sources)
    for item in load_rubric().items:
        assert text.count(f'@verdict("{item.id}")') == 1, item.id


def test_hidden_items_come_from_their_own_folder_numbered_after_the_visible_ones(tmp_path):
    (tmp_path / "rubric.toml").write_text(
        'title="T"\n'
        '[[items]]\nid="y1"\narea="behaviour"\npoints=2\ndescription="d"\nhint="h"\n'
        '[[items]]\nid="x1"\narea="callbacks"\npoints=1\ndescription="d"\nhint="h"\n')
    assert [i.id for i in load_rubric(tmp_path / "rubric.toml").items] == ["x1", "y1"]
    (tmp_path / "hidden").mkdir()
    (tmp_path / "hidden" / "rubric.toml").write_text(
        '[[items]]\nid="x2"\narea="callbacks"\npoints=1\ndescription="d"\nhint="h"\n')
    rubric = load_rubric(tmp_path / "rubric.toml")
    assert [(i.id, i.number, i.visibility) for i in rubric.items] == [
        ("x1", "1.1", "visible"), ("x2", "1.2", "hidden"), ("y1", "2.1", "visible")]
    assert rubric.max_points == 4


def test_a_hidden_item_in_the_shipped_rubric_is_refused(tmp_path):
    (tmp_path / "rubric.toml").write_text(
        '[[items]]\nid="a"\narea="callbacks"\npoints=1\ndescription="d"\nhint="h"\nvisibility="hidden"\n')
    with pytest.raises(RubricError, match="hidden/rubric.toml"):
        load_rubric(tmp_path / "rubric.toml")


def test_areas_come_from_the_area_table_and_an_old_areas_table_is_refused(tmp_path):
    assert [(area.number, area.key) for area in load_rubric().areas] == [
        (1, "callbacks"), (2, "behaviour"), (3, "property"), (4, "model"), (5, "data"), (6, "train"),
        (7, "explore")]
    (tmp_path / "rubric.toml").write_text('[areas.callbacks]\ntitle="X"\nnumber=1\n')
    with pytest.raises(RubricError, match="declared in grader/areas.py"):
        load_rubric(tmp_path / "rubric.toml")


def test_items_are_numbered_within_their_area():
    rubric = load_rubric()
    for area in rubric.areas:
        numbers = [item.number for item in rubric.in_area(area.key)]
        assert numbers == [f"{area.number}.{i}" for i in range(1, len(numbers) + 1)]


def test_hints_and_descriptions_are_single_friendly_lines():
    for item in load_rubric().items:
        assert item.description and item.hint
        assert "\n" not in item.description + item.hint


@pytest.mark.parametrize(
    "body, complaint",
    [
        ('[[items]]\nid="a"\narea="x"\npoints=1\ndescription="d"\n', "lacks ['hint']"),
        ('[[items]]\nid="a"\narea="nope"\npoints=1\ndescription="d"\nhint="h"\n', "unknown area"),
        ('[[items]]\nid="a"\narea="x"\npoints=0\ndescription="d"\nhint="h"\n', "more than 0 points"),
        ('[[items]]\nid="a"\narea="x"\npoints=1\ndescription="d"\nhint="h"\nvisibility="secret"\n', "visibility"),
        ('[[items]]\nid="a"\narea="x"\npoints=1\ndescription="d"\nhint="h"\n' * 2, "declared twice"),
    ],
)
def test_malformed_rubric_says_what_is_wrong(tmp_path, body, complaint):
    path = tmp_path / "rubric.toml"
    path.write_text(body.replace('area="x"', 'area="callbacks"'))
    with pytest.raises(RubricError, match=complaint.replace("[", r"\[").replace("]", r"\]")):
        load_rubric(path)



ITEMS = ('[[items]]\nid="c1"\narea="callbacks"\npoints=3\ndescription="d"\nhint="h"\n'
         '[[items]]\nid="m1"\narea="model"\npoints=2\ndescription="d"\nhint="h"\n'
         '[[items]]\nid="t1"\narea="train"\npoints=5\ndescription="d"\nhint="h"\n')


def test_modes_make_an_area_extra_credit_or_leave_it_out(tmp_path):
    path = tmp_path / "rubric.toml"
    path.write_text('title="T"\n[modes]\nmodel = "extra"\ntrain = "off"\ncallbacks = "part"\n' + ITEMS)
    rubric = load_rubric(path)
    assert [(i.id, i.extra) for i in rubric.items] == [("c1", False), ("m1", True)]  # t1: off, not in the rubric
    assert (rubric.max_points, rubric.extra_points) == (3, 2)
    assert [area.key for area in rubric.areas] == ["callbacks", "behaviour", "property", "model", "data", "explore"]
    assert rubric.graded_areas == ("callbacks", "model")  # the areas worth probing: those with items
    assert (rubric.mode("model"), rubric.mode("train"), rubric.mode("data")) == ("extra", "off", "part")
    assert rubric.item("m1").number == "4.1"  # an area keeps its number whatever the modes


def test_the_shipped_rubric_counts_every_area_but_explore_which_is_extra_credit():
    rubric = load_rubric()
    assert {item.area for item in rubric.items if item.extra} == {"explore"} and rubric.extra_points == 10
    assert rubric.graded_areas == tuple(area.key for area in rubric.areas) and len(rubric.areas) == 7
    assert rubric.max_points == 100


@pytest.mark.parametrize("modes, complaint", [
    ('[modes]\nexplorer = "extra"\n', "unknown area 'explorer'"),
    ('[modes]\nmodel = "bonus"\n', "model = 'bonus'"),
    ('[modes]\nmodel = true\n', "model = True"),
    ('modes = "extra"\n', "must be a table"),
])
def test_a_wrong_mode_names_the_file_and_the_value(tmp_path, modes, complaint):
    path = tmp_path / "rubric.toml"
    path.write_text(modes + ITEMS)
    with pytest.raises(RubricError, match=f"{re.escape(str(path))}: .*{re.escape(complaint)}"):
        load_rubric(path)


def test_modes_in_the_hidden_rubric_are_refused(tmp_path):
    (tmp_path / "rubric.toml").write_text(ITEMS)
    (tmp_path / "hidden").mkdir()
    (tmp_path / "hidden" / "rubric.toml").write_text('[modes]\nmodel = "off"\n')
    with pytest.raises(RubricError, match=r"hidden/rubric.toml: \[modes\] belongs in rubric.toml"):
        load_rubric(tmp_path / "rubric.toml")


def test_hidden_items_follow_their_areas_mode(tmp_path):
    (tmp_path / "rubric.toml").write_text('[modes]\nmodel = "extra"\ntrain = "off"\n' + ITEMS)
    (tmp_path / "hidden").mkdir()
    (tmp_path / "hidden" / "rubric.toml").write_text(
        '[[items]]\nid="m2"\narea="model"\npoints=1\ndescription="d"\nhint="h"\n'
        '[[items]]\nid="t2"\narea="train"\npoints=1\ndescription="d"\nhint="h"\n')
    rubric = load_rubric(tmp_path / "rubric.toml")
    assert [(i.id, i.visibility, i.extra) for i in rubric.items] == [
        ("c1", "visible", False), ("m1", "visible", True), ("m2", "hidden", True)]


# Modes in grading: what is probed, judged and counted.

def moded_rubric(folder, **modes):
    """The shipped rubric's items (the visible ones) under these [modes]."""
    text = (REPOSITORY / "grader" / "rubric.toml").read_text(encoding="utf-8")
    modes = {**tomllib.loads(text).get("modes", {}), **modes}  # the shipped modes, these over them
    text = re.sub(r"^\[modes\]\n(?:[a-z_]+ *= *.*\n)*", "", text, flags=re.M)
    table = "[modes]\n" + "".join(f'{key} = "{mode}"\n' for key, mode in modes.items()) + "\n"
    first = text.index("[[items]]")
    (folder / "rubric.toml").write_text(text[:first] + table + text[first:], encoding="utf-8")
    return load_rubric(folder / "rubric.toml")


def unfinished(key):
    return Failure(kind="not_implemented", where=f"{key}()", summary="")


def test_an_area_switched_off_is_never_probed_and_an_extra_one_is_counted_on_top(tmp_path, monkeypatch):
    from grader import grading
    from tests.conftest import materialize

    monkeypatch.setenv("GRADER_REFERENCE", "profile")  # no live reference: nothing here runs student code
    rubric = moded_rubric(tmp_path, model="extra", behaviour="off", property="off", data="off", explore="off")
    probed = []

    def probe(key, submission, scratch, timeout=None):
        probed.append(key)
        return unfinished(key)

    monkeypatch.setattr(grading, "probe_safely", probe)
    grade = grading.grade_submission(materialize("stubs", tmp_path), rubric=rubric)
    assert probed == ["callbacks", "model", "train"]
    assert {item.area for item in grade.items} == {"callbacks", "model", "train"} and set(grade.facts) == set(probed)
    assert (grade.max_score, grade.extra_max, grade.score) == (35, 15, 0)
    assert grade.not_attempted() == ["model"]


def test_the_batch_asks_its_workers_for_the_graded_areas_only(tmp_path, monkeypatch):
    from grader.batch import run
    from grader.batch.sandbox import Limits, Outcome
    from grader.batch.submissions import Entry

    asked = []

    def worker(stage, folder, scratch, limits, areas=(), **options):
        asked.append(tuple(areas))  # the first worker dies in its first area: a fresh one does the rest
        return Outcome(ended="exited", exit_code=1) if len(asked) == 1 else Outcome(finished=True)

    monkeypatch.setattr(run, "run_worker", worker)
    areas = moded_rubric(tmp_path, behaviour="off", data="extra", train="off", explore="off").graded_areas
    assert areas == ("callbacks", "property", "model", "data")
    workers = run.Workers(tmp_path, tmp_path / "work", Limits(), jobs=1, isolated=False, warm=False, needed=1,
                          areas=areas)
    monkeypatch.setattr(run, "probe_in_sandbox", lambda *args, **options: run._probe_areas(*args, **{
        key: value for key, value in options.items() if key in ("areas", "asking")}))
    (outcome,) = [found[-1] for found in workers.grade([(Entry("ann", tmp_path), tmp_path, "hash")])]
    assert asked == [areas, areas[1:]]
    assert outcome.areas["callbacks"]["failure"]["kind"] == "killed"


def test_the_batch_judges_only_the_graded_areas_and_counts_nothing_missing(tmp_path):
    from dataclasses import asdict

    from grader.batch.judge import judge
    from grader.batch.sandbox import Limits, Outcome

    rubric = moded_rubric(tmp_path, model="extra", behaviour="off", property="off", data="off", callbacks="off",
                          explore="off")
    outcome = Outcome(finished=True, areas={key: {"failure": asdict(unfinished(key))} for key in ("model", "train")})
    grade, status, reason = judge(outcome, rubric, Limits())
    assert (status, reason) == ("graded", "")
    assert set(grade.facts) == {"model", "train"} and (grade.max_score, grade.extra_max) == (10, 15)
    assert grade.not_attempted() == ["model"]


def test_pytest_skips_the_items_of_an_extra_area_not_attempted(tmp_path, monkeypatch):
    from grader.conftest import GradingSession
    from grader.probes.student_code import Submission
    from tests.conftest import materialize

    monkeypatch.setenv("GRADER_REFERENCE", "profile")
    session = GradingSession(Submission(materialize("stubs", tmp_path)))
    session.facts = {"model": unfinished("build_model")}
    session.rubric = moded_rubric(tmp_path, model="extra")
    with pytest.raises(pytest.skip.Exception, match="extra credit, not attempted"):
        session.check("model.from_scratch", tmp_path)
    session.rubric = load_rubric()  # part of the total: the same stub fails the item
    with pytest.raises(pytest.fail.Exception, match="not implemented yet"):
        session.check("model.from_scratch", tmp_path)

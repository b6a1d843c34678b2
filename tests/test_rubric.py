"""The rubric file: well formed, and every item judged by exactly one verdict."""
import pytest

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
        (1, "callbacks"), (2, "behaviour"), (3, "property"), (4, "model"), (5, "data"), (6, "train")]
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


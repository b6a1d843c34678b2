"""results.json follows the field list of Gradescope's autograder specification."""
from grader.grade import Grade, ItemResult
from grader.report.results_json import results_dict

VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}


def item(item_id, passed, points=2.0, visibility="visible"):
    return ItemResult(id=item_id, number="1.1", area="callbacks", description="d", points=points if passed else 0.0,
                      max_points=points, passed=passed, expected="e", found="f", hint="h", detail="",
                      visibility=visibility)


def check_schema(data):
    assert isinstance(data["score"], (int, float)) and isinstance(data["max_score"], (int, float))
    assert 0 <= data["score"] <= data["max_score"]
    assert isinstance(data["execution_time"], int) and isinstance(data["output"], str)
    assert data["visibility"] in VISIBILITIES and data["stdout_visibility"] in VISIBILITIES
    for test in data["tests"]:
        assert set(test) >= {"name", "number", "score", "max_score", "status", "output", "visibility", "tags"}
        assert test["status"] in {"passed", "failed"} and test["visibility"] in VISIBILITIES
        assert 0 <= test["score"] <= test["max_score"]
        assert isinstance(test["tags"], list) and isinstance(test["number"], str)
    assert data["score"] == sum(test["score"] for test in data["tests"])


def test_schema_and_totals():
    grade = Grade(items=[item("a", True), item("b", False, 1.5), item("secret_item", False, visibility="hidden")],
                  notes=["watch out"])
    data = results_dict(grade, execution_time=3.6)
    check_schema(data)
    assert (data["score"], data["max_score"], data["execution_time"]) == (2, 5.5, 4)
    assert [t["status"] for t in data["tests"]] == ["passed", "failed", "failed"]
    assert data["tests"][2]["visibility"] == "hidden"
    assert "Expected: e" in data["tests"][1]["output"] and data["tests"][0]["output"] == ""
    assert "Note: watch out" in data["output"]
    # The top-level output is what students see: it counts lost hidden items without naming them.
    assert "lost points: b." in data["output"] and "1 hidden item(s) lost points." in data["output"]
    assert "secret_item" not in data["output"]


def test_empty_grade_is_still_valid():
    check_schema(results_dict(Grade(), execution_time=0))

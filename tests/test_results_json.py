"""results.json follows the field list of Gradescope's autograder specification."""
from grader.grade import Grade, ItemResult
from grader.report.results_json import results_dict

VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}


def item(item_id, passed, points=2.0, visibility="visible", area="callbacks", extra=False, unfinished=False):
    return ItemResult(id=item_id, number="1.1", area=area, description="d", points=points if passed else 0.0,
                      max_points=points, passed=passed, expected="e", found="f", hint="h", detail="",
                      visibility=visibility, extra=extra, unfinished=unfinished)


def check_schema(data):
    assert isinstance(data["score"], (int, float)) and isinstance(data["max_score"], (int, float))
    # extra credit comes on top of max_score: only it may take the score above
    extra = sum(test["max_score"] for test in data["tests"] if "extra_credit" in test["tags"])
    assert 0 <= data["score"] <= data["max_score"] + extra
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


def test_extra_credit_is_on_top_of_the_total_and_named_as_such():
    extra = dict(area="model", extra=True)
    grade = Grade(items=[item("a", True), item("b", True, 1.5), item("x", True, 3.0, **extra),
                         item("y", False, 2.0, **extra)])
    data = results_dict(grade, execution_time=1)
    check_schema(data)
    # Gradescope grades by the top-level score: it counts the extra credit earned, above the total
    assert (data["score"], data["max_score"]) == (6.5, 3.5)
    assert data["output"].startswith("Total: 3.5 / 3.5 points, + 3 / 5 extra credit.")
    extra = [test for test in data["tests"] if "extra_credit" in test["tags"]]
    assert [(t["name"], t["score"], t["max_score"], t["status"]) for t in extra] == [
        ("x (extra credit): d", 3, 3, "passed"), ("y (extra credit): d", 0, 2, "failed")]
    assert "lost points: y." in data["output"]  # tried and lost: its feedback, as for any item
    assert data["tests"][0]["name"] == "a: d" and data["tests"][0]["tags"] == ["callbacks"]


def test_an_extra_area_left_as_the_stubs_reads_not_attempted():
    untouched = [item(f"m{n}", False, area="model", extra=True, unfinished=True) for n in (1, 2)]
    grade = Grade(items=[item("a", True), *untouched])
    data = results_dict(grade, execution_time=1)
    check_schema(data)
    assert (data["score"], data["max_score"]) == (2, 2)
    assert "not attempted, worth up to 4 points; it costs nothing." in data["output"]
    assert "lost points" not in data["output"]  # not listed as failures
    assert all(t["output"].startswith("Not attempted yet") for t in data["tests"][1:])
    # one item of the area tried (lost for another reason than a stub): attempted, with its feedback
    tried = Grade(items=[item("a", True), untouched[0], item("m3", False, area="model", extra=True)])
    assert "lost points: m1, m3." in results_dict(tried, 1)["output"] and not tried.not_attempted()
    # a part of the total left as the stubs is lost, never "not attempted"
    part = Grade(items=[item("m1", False, area="model", unfinished=True)])
    assert part.not_attempted() == [] and "lost points: m1." in results_dict(part, 1)["output"]

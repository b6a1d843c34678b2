"""The rubric as data: items, their points and hints, grouped by area.

`rubric.toml` holds the items students see; the areas they belong to (their order,
numbers and titles) are declared in `grader.areas`. Instructor-only ("hidden") items live in
`hidden/rubric.toml`, beside the verdicts that judge them, so that leaving out the one
folder `grader/hidden/` removes them entirely from what students receive.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from grader.areas import AREAS, Area

RUBRIC_PATH = Path(__file__).with_name("rubric.toml")
VISIBILITIES = ("visible", "hidden")


@dataclass(frozen=True)
class RubricItem:
    id: str
    area: str
    points: float
    description: str
    hint: str
    visibility: str = "visible"
    number: str = ""  # "1.3": area number, then position in the area


@dataclass(frozen=True)
class Rubric:
    title: str
    areas: tuple[Area, ...]
    items: tuple[RubricItem, ...]
    # Points of hidden items not in this copy of the rubric (the students' copy says how
    # many, so that a student knows the visible total is not the whole grade).
    hidden_elsewhere: float = 0

    def item(self, item_id: str) -> RubricItem:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(f"no rubric item {item_id!r} in the rubric")

    def in_area(self, area: str) -> tuple[RubricItem, ...]:
        return tuple(item for item in self.items if item.area == area)

    @property
    def max_points(self) -> float:
        return sum(item.points for item in self.items)


class RubricError(ValueError):
    """The rubric file is malformed; the message says where."""


def load_rubric(path=RUBRIC_PATH) -> Rubric:
    """The rubric: the visible items, then the hidden ones where `hidden/rubric.toml` is beside it."""
    hidden_path = Path(path).parent / "hidden" / "rubric.toml"
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    if "areas" in data:
        raise RubricError(f"{path}: [areas] tables are not read any more: areas, their numbers and titles "
                          "are declared in grader/areas.py")
    areas = AREAS
    raw_items = [(path, raw) for raw in data.get("items", [])]
    for _path, raw in raw_items:
        if raw.get("visibility", "visible") == "hidden":
            raise RubricError(f"{path}: item {raw.get('id', '?')} is hidden; declare hidden items in "
                              f"hidden/rubric.toml, which is never given to students")
    if hidden_path.is_file():
        hidden = tomllib.loads(Path(hidden_path).read_text(encoding="utf-8"))
        raw_items += [(hidden_path, {"visibility": "hidden", **raw}) for raw in hidden.get("items", [])]
    # Visible items are numbered first, so that an item has the same number in every copy.
    raw_items.sort(key=lambda pair: pair[1].get("visibility", "visible") == "hidden")
    area_numbers = {area.key: area.number for area in areas}
    position: dict[str, int] = {}
    items, seen = [], set()
    for source, raw in raw_items:
        missing = {"id", "area", "points", "description", "hint"} - raw.keys()
        if missing:
            raise RubricError(f"{source}: item {raw.get('id', '?')} lacks {sorted(missing)}")
        if raw["id"] in seen:
            raise RubricError(f"{source}: item {raw['id']} is declared twice")
        if raw["area"] not in area_numbers:
            raise RubricError(f"{source}: item {raw['id']} names unknown area {raw['area']!r}")
        if raw.get("visibility", "visible") not in VISIBILITIES:
            raise RubricError(f"{source}: item {raw['id']} visibility must be one of {VISIBILITIES}")
        if not raw["points"] > 0:
            raise RubricError(f"{source}: item {raw['id']} must be worth more than 0 points")
        seen.add(raw["id"])
        position[raw["area"]] = position.get(raw["area"], 0) + 1
        items.append(RubricItem(number=f"{area_numbers[raw['area']]}.{position[raw['area']]}", **raw))
    # In rubric order: each area's items together, visible before hidden.
    items.sort(key=lambda item: [area.key for area in areas].index(item.area))
    return Rubric(title=data.get("title", "Rubric"), areas=areas, items=tuple(items),
                  hidden_elsewhere=float(data.get("hidden_points", 0)))

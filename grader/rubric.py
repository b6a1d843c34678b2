"""The rubric as data: items, their points and hints, grouped by area.

`rubric.toml` holds the items students see; the areas they belong to (their order,
numbers and titles) are declared in `grader.areas`. Instructor-only ("hidden") items live in
`hidden/rubric.toml`, beside the verdicts that judge them, so that leaving out the one
folder `grader/hidden/` removes them entirely from what students receive.

The instructor also says, per area, whether it counts (`[modes]` in `rubric.toml`): "part"
of the total (the default), "extra" credit on top of it, or "off" (left out of the rubric,
so that nothing grades, probes or shows it). Modes live in `rubric.toml` only: the students'
copy then counts every area as the instructor's does.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from grader.areas import AREA_KEYS, AREAS, Area

RUBRIC_PATH = Path(__file__).with_name("rubric.toml")
VISIBILITIES = ("visible", "hidden")
MODES = ("part", "extra", "off")  # part of the total, extra credit on top of it, not graded at all


@dataclass(frozen=True)
class RubricItem:
    id: str
    area: str
    points: float
    description: str
    hint: str
    visibility: str = "visible"
    number: str = ""  # "1.3": area number, then position in the area
    extra: bool = False  # extra credit: its points come on top of the total, never out of it


@dataclass(frozen=True)
class Rubric:
    title: str
    areas: tuple[Area, ...]  # the areas graded, in order: every area but those switched off
    items: tuple[RubricItem, ...]
    # Points of hidden items not in this copy of the rubric (the students' copy says how
    # many, so that a student knows the visible total is not the whole grade).
    hidden_elsewhere: float = 0
    modes: dict[str, str] = field(default_factory=dict)  # area key -> "extra" | "off"; "part" when not listed

    def item(self, item_id: str) -> RubricItem:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(f"no rubric item {item_id!r} in the rubric")

    def in_area(self, area: str) -> tuple[RubricItem, ...]:
        return tuple(item for item in self.items if item.area == area)

    def mode(self, area: str) -> str:
        return self.modes.get(area, "part")

    @property
    def graded_areas(self) -> tuple[str, ...]:
        """The keys of the areas with items to grade, in order: the areas worth probing, and no others."""
        return tuple(area.key for area in self.areas if self.in_area(area.key))

    @property
    def max_points(self) -> float:
        """The total a submission is graded out of: extra credit is not part of it."""
        return sum(item.points for item in self.items if not item.extra)

    @property
    def extra_points(self) -> float:
        return sum(item.points for item in self.items if item.extra)


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
    modes = read_modes(path, data.get("modes", {}))
    if hidden_path.is_file():
        hidden = tomllib.loads(Path(hidden_path).read_text(encoding="utf-8"))
        if "modes" in hidden:
            raise RubricError(f"{hidden_path}: [modes] belongs in {Path(path).name}, beside the visible items: "
                              "the students' copy must count each area as this one does")
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
        items.append(RubricItem(number=f"{area_numbers[raw['area']]}.{position[raw['area']]}",
                                extra=modes.get(raw["area"]) == "extra", **raw))
    # In rubric order: each area's items together, visible before hidden; an area switched off
    # keeps its number (an item has the same number whichever areas count), its items are dropped.
    items.sort(key=lambda item: [area.key for area in areas].index(item.area))
    return Rubric(title=data.get("title", "Rubric"), areas=tuple(a for a in areas if modes.get(a.key) != "off"),
                  items=tuple(item for item in items if modes.get(item.area) != "off"),
                  hidden_elsewhere=float(data.get("hidden_points", 0)), modes=modes)


def read_modes(path, table) -> dict[str, str]:
    """`[modes]`: area key -> "part" | "extra" | "off", checked; the areas not listed are "part"."""
    if not isinstance(table, dict):
        raise RubricError(f"{path}: modes must be a table, [modes], of area = \"part\" | \"extra\" | \"off\"")
    for key, mode in table.items():
        if key not in AREA_KEYS:
            raise RubricError(f"{path}: [modes] names unknown area {key!r} (the areas: {', '.join(AREA_KEYS)})")
        if mode not in MODES:
            raise RubricError(f"{path}: [modes] {key} = {mode!r}: the mode of an area is one of "
                              f"{', '.join(repr(m) for m in MODES)}")
    return {key: mode for key, mode in table.items() if mode != "part"}

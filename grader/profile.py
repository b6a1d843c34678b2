"""The reference profile: the reference solution's facts, written down so that the grader
can run where `reference/` is not (the copy students receive, the sandbox).

`grader profile` probes `reference/` and writes `profile.json` beside this file. The
grader reads the reference's facts live when `reference/` is importable and from the
profile otherwise. Either way they pass through the same JSON round trip, so the
verdicts see identical values in both cases.
"""
from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

from grader.areas import AREAS
from grader.facts import from_dict, to_json

PROFILE_PATH = Path(__file__).with_name("profile.json")
# The reference's answers on the held-back summarize histories: instructor-only, like the
# hidden items, so students' copies and the sandbox never hold them.
HELD_BACK_PATH = Path(__file__).with_name("hidden") / "held_back.json"
HELD_BACK_FIELDS = ("histories", "summaries", "summary_failures")
FORMAT = 2  # 2: the property test's reference replays are recorded
REFERENCE_MODULES = ("data.py", "model.py", "callbacks.py", "train.py", "explore.py")
# The facts class of each area's reference facts, in rubric order (for the property test: the
# reference's replays on the histories its search tries; see grader.areas).
FACT_TYPES = {area.key: area.reference_class for area in AREAS}
# Facts measured by really training, which may differ in the last digits between CPUs:
# compared with this tolerance when checking that the profile is up to date.
MEASURED = {("model", "learned_accuracy"): 0.1}
# Facts that depend on TensorFlow's version or on an unseeded shuffle rather than on the
# reference (the training set's first examples, in their order, and sorted): not compared.
# data.request reads the reference's train_orders only for which slice they come from.
UNCOMPARED = {("data", "train_orders"), ("data", "source_order")}
REGENERATE = "Run `grader profile` and commit grader/profile.json."


class ProfileError(RuntimeError):
    """No usable profile: missing, unreadable, or written by another version of the grader."""


def fingerprint(reference_dir: Path) -> dict[str, str]:
    """sha256 of each reference module: what the profile was made from."""
    return {
        name: hashlib.sha256((Path(reference_dir) / name).read_bytes()).hexdigest()
        for name in REFERENCE_MODULES
    }


def build_profile(reference_dir: Path, live_facts) -> dict:
    """The profile as plain data. `live_facts(area)` probes the reference for one area.

    The answers on held-back histories are taken out of the public facts and kept under
    "held_back", which `write_profile` writes to grader/hidden, not to profile.json.
    """
    facts = {area: _plain(live_facts(area)) for area in FACT_TYPES}
    public, held = _split_held_back(facts["train"])
    return {
        "about": "The reference solution's facts, made by `grader profile` from reference/. "
                 "Do not edit by hand: change reference/ and run `grader profile` again.",
        "format": FORMAT,
        "reference": fingerprint(reference_dir),
        "facts": {**facts, "train": public},
        "held_back": held,
    }


def _split_held_back(train: dict | None) -> tuple[dict | None, dict | None]:
    from grader.corpus import held_back

    if not train or not train.get("summaries"):
        return train, None
    hidden = {json.dumps(history, sort_keys=True) for history in _plain_list(held_back())}
    public, held = dict(train), {name: [] for name in HELD_BACK_FIELDS}
    for name in HELD_BACK_FIELDS:
        public[name] = []
    for row in zip(*(train[name] for name in HELD_BACK_FIELDS)):
        target = held if json.dumps(row[0], sort_keys=True) in hidden else public
        for name, value in zip(HELD_BACK_FIELDS, row):
            target[name].append(value)
    return public, held


def _plain_list(values) -> list:
    return json.loads(json.dumps(list(values)))


def write_profile(profile: dict, path: Path = PROFILE_PATH, held_back_path: Path = HELD_BACK_PATH) -> Path:
    path = Path(path)
    public = {key: value for key, value in profile.items() if key != "held_back"}
    path.write_text(json.dumps(public, indent=1, allow_nan=False) + "\n",
                    encoding="utf-8")
    if profile.get("held_back") is not None and Path(held_back_path).parent.is_dir():
        Path(held_back_path).write_text(json.dumps(profile["held_back"], indent=1, allow_nan=False) + "\n",
                                        encoding="utf-8")
    return path


def read_profile(path: Path = PROFILE_PATH) -> dict:
    path = Path(path)
    if not path.is_file():
        raise ProfileError(f"there is no reference profile at {path.name} and no reference/ "
                           f"folder to grade against. {REGENERATE}")
    try:
        profile = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ProfileError(f"{path.name} cannot be read ({error}). {REGENERATE}") from error
    if profile.get("format") != FORMAT or set(profile.get("facts", {})) != set(FACT_TYPES):
        raise ProfileError(f"{path.name} was written by another version of the grader. {REGENERATE}")
    return profile


def profile_facts(area: str, path: Path = PROFILE_PATH, held_back_path: Path = HELD_BACK_PATH):
    """One area's reference facts, from the profile file (and the held-back answers, where present)."""
    data = read_profile(path)["facts"][area]
    if area == "train" and data and data.get("summaries") and Path(held_back_path).is_file():
        held = json.loads(Path(held_back_path).read_text(encoding="utf-8"))
        data = {**data, **{name: data[name] + held[name] for name in HELD_BACK_FIELDS}}
    return from_dict(FACT_TYPES[area], data)


def staleness(profile: dict, reference_dir: Path, fresh: dict | None = None) -> list[str]:
    """Why the profile no longer matches reference/ (empty: it matches).

    Compares the reference modules' hashes; given a freshly built profile, also every
    fact (so that a change to the probes that changes the reference's facts shows too).
    """
    problems = []
    recorded, current = profile.get("reference", {}), fingerprint(reference_dir)
    for name in REFERENCE_MODULES:
        if recorded.get(name) != current[name]:
            problems.append(f"reference/{name} has changed since the profile was made")
    if fresh is not None:
        for area in FACT_TYPES:
            problems += [f"{area}: {where}" for where in
                         _differences(profile["facts"].get(area), fresh["facts"][area], (area,))]
        if fresh.get("held_back") is not None and HELD_BACK_PATH.parent.is_dir():
            held = json.loads(HELD_BACK_PATH.read_text(encoding="utf-8")) if HELD_BACK_PATH.is_file() else None
            problems += [f"held back: {where}" for where in
                         _differences(held, fresh["held_back"], ("train", "held_back"))]
    return problems


def _plain(facts):
    """Plain JSON data of a facts dataclass (tuples as lists), as json would give it back."""
    return None if facts is None else json.loads(to_json(facts))


def _differences(old, new, path: tuple) -> list[str]:
    if path[:2] in UNCOMPARED:
        return []
    where = ".".join(str(p) for p in path)
    if isinstance(old, dict) and isinstance(new, dict):
        found = []
        for key in sorted(set(old) | set(new)):
            if key not in old or key not in new:
                found.append(f"{where}.{key} is only in the {'new' if key in new else 'committed'} facts")
            else:
                found += _differences(old[key], new[key], path + (key,))
        return found
    if isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            return [f"{where} has {len(new)} entries, the profile {len(old)}"]
        return [d for i, (a, b) in enumerate(zip(old, new)) for d in _differences(a, b, path + (i,))]
    if isinstance(old, float) and isinstance(new, (int, float)) and not isinstance(new, bool):
        tolerance = MEASURED.get((path[0], path[-1]), 1e-9)
        if math.isclose(old, new, rel_tol=1e-9, abs_tol=tolerance):
            return []
    if old == new and type(old) is type(new):
        return []
    return [f"{where} is {_short(new)} now, {_short(old)} in the profile"]


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 160 else text[:150] + " …"

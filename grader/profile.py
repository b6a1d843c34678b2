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

from grader.facts import AREA_FACTS, from_dict

PROFILE_PATH = Path(__file__).with_name("profile.json")
FORMAT = 1
REFERENCE_MODULES = ("data.py", "model.py", "callbacks.py", "train.py")
# The facts class of each area's reference facts (the property test needs none of its own:
# it rebuilds the reference's callbacks from the configs in the callbacks facts).
FACT_TYPES = {**AREA_FACTS, "property": None}
# Facts measured by really training, which may differ in the last digits between CPUs:
# compared with this tolerance when checking that the profile is up to date.
MEASURED = {("model", "learned_accuracy"): 0.1}
# Facts that depend on TensorFlow's version rather than on the reference, and that no
# verdict reads from the reference: not compared.
UNCOMPARED = {("data", "train_orders")}
REGENERATE = "Run `grader profile` and commit grader/profile.json."


class ProfileError(RuntimeError):
    """No usable profile: missing, unreadable, or written by another version of the grader."""


def normalized(area: str, facts):
    """Facts as they come back from the profile file: the form the verdicts always see."""
    cls = FACT_TYPES[area]
    if facts is None or cls is None:
        return None
    return from_dict(cls, json.loads(json.dumps(_plain(facts))))


def fingerprint(reference_dir: Path) -> dict[str, str]:
    """sha256 of each reference module: what the profile was made from."""
    return {
        name: hashlib.sha256((Path(reference_dir) / name).read_bytes()).hexdigest()
        for name in REFERENCE_MODULES
    }


def build_profile(reference_dir: Path, live_facts) -> dict:
    """The profile as plain data. `live_facts(area)` probes the reference for one area."""
    return {
        "about": "The reference solution's facts, made by `grader profile` from reference/. "
                 "Do not edit by hand: change reference/ and run `grader profile` again.",
        "format": FORMAT,
        "reference": fingerprint(reference_dir),
        "facts": {area: _plain(live_facts(area)) for area in FACT_TYPES},
    }


def write_profile(profile: dict, path: Path = PROFILE_PATH) -> Path:
    path = Path(path)
    path.write_text(json.dumps(profile, indent=1, allow_nan=False) + "\n",
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


def profile_facts(area: str, path: Path = PROFILE_PATH):
    """One area's reference facts, from the profile file."""
    cls = FACT_TYPES[area]
    data = read_profile(path)["facts"][area]
    return None if cls is None or data is None else from_dict(cls, data)


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
    return problems


def _plain(facts):
    """Plain JSON data of a facts dataclass (tuples as lists), as json would give it back."""
    from grader.facts import to_json

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
    return [f"{where} is {new!r} now, {old!r} in the profile"]

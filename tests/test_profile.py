"""The reference profile: up to date with reference/, and graded on exactly like reference/ itself."""
from __future__ import annotations

import json
import shutil

import pytest

from grader import grading
from grader.grading import REFERENCE_DIR, grade_submission, live_reference_facts, reference_facts
from grader.areas import settled
from grader.profile import (FACT_TYPES, PROFILE_PATH, ProfileError, build_profile, profile_facts,
                            read_profile, staleness, write_profile)

STALE = "grader/profile.json is out of date with reference/. Run `grader profile` and commit it."


@pytest.fixture(scope="module")
def fresh_profile():
    return build_profile(REFERENCE_DIR, live_reference_facts)


def test_the_committed_profile_is_up_to_date_with_reference(fresh_profile):
    problems = staleness(read_profile(), REFERENCE_DIR, fresh_profile)
    assert not problems, STALE + "\n  " + "\n  ".join(problems)


def test_profile_facts_are_what_the_grader_sees_with_reference_at_hand(fresh_profile):
    for area in FACT_TYPES:
        assert profile_facts(area) == reference_facts(area) == settled(area, live_reference_facts(area), reference=True), area


def test_profile_holds_no_machine_paths_and_reads_as_text():
    text = PROFILE_PATH.read_text(encoding="utf-8")
    assert "/tmp" not in text and str(REFERENCE_DIR.parent) not in text
    profile = json.loads(text)
    assert "grader profile" in profile["about"]
    callbacks = profile_facts("callbacks")
    assert {cb.kind for cb in callbacks.callbacks} == {"ModelCheckpoint", "EarlyStopping", "ReduceLROnPlateau"}
    assert profile_facts("model").learned_accuracy > 0.8  # the reference's accuracy on the synthetic task


def test_an_edited_reference_makes_the_profile_stale(tmp_path, fresh_profile):
    reference = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, reference)
    path = reference / "callbacks.py"
    path.write_text(path.read_text().replace("patience=5", "patience=10"))
    problems = staleness(read_profile(), reference)
    assert problems == ["reference/callbacks.py has changed since the profile was made"]


def test_changed_facts_are_named_and_measured_ones_have_a_tolerance(fresh_profile):
    edited = json.loads(json.dumps(fresh_profile))
    early_stopping = next(cb for cb in edited["facts"]["callbacks"]["callbacks"] if cb["kind"] == "EarlyStopping")
    early_stopping["config"]["patience"] = 10
    edited["facts"]["model"]["learned_accuracy"] += 0.05  # another CPU, another rounding
    problems = staleness(fresh_profile, REFERENCE_DIR, edited)
    assert problems == ["callbacks: callbacks.callbacks.1.config.patience is 10 now, 5 in the profile"]


def test_a_missing_or_foreign_profile_says_to_run_grader_profile(tmp_path):
    with pytest.raises(ProfileError, match="grader profile"):
        read_profile(tmp_path / "profile.json")
    path = write_profile({"format": 0, "facts": {}}, tmp_path / "profile.json")
    with pytest.raises(ProfileError, match="another version of the grader.*grader profile"):
        read_profile(path)


def test_verdicts_are_the_same_from_the_profile(monkeypatch, submission_path):
    """A submission that loses callback items, graded against reference/ and against the profile."""
    areas = ("callbacks", "behaviour", "property")
    path = submission_path("mistake_swapped_patiences")
    live = grade_submission(path, areas=areas)
    monkeypatch.setenv(grading.REFERENCE_FROM, "profile")
    reference_facts.cache_clear()
    try:
        assert grading.reference_source() == "profile"
        from_profile = grade_submission(path, areas=areas)
    finally:
        reference_facts.cache_clear()
    assert from_profile.items == live.items and from_profile.notes == live.notes
    assert live.lost()


def test_the_profiles_reference_replays_spare_the_live_ones_and_change_no_fact(tmp_path, monkeypatch):
    from grader.facts import facts_to_data
    from grader.probes import property as probe
    from grader.probes.student_code import Submission
    from grader.quiet import seed_everything

    callbacks, recorded = profile_facts("callbacks"), profile_facts("property")
    assert {replay.kind for replay in recorded.replays} == {"ModelCheckpoint", "EarlyStopping", "ReduceLROnPlateau"}
    seen = {}
    for use in (False, True):  # a fresh process: nothing replayed yet, with and without the profile's answers
        monkeypatch.setattr(probe, "_REFERENCE_TIMELINES", {})
        monkeypatch.setattr(probe, "_REFERENCE_EVENTS", {})
        seed_everything()
        facts = probe.probe_property(Submission(REFERENCE_DIR), tmp_path / str(use), callbacks,
                                     recorded if use else None)
        seen[use] = facts_to_data(facts), len(probe._REFERENCE_TIMELINES)
    assert seen[True][0] == seen[False][0]
    assert seen[False][1] == len(recorded.replays) and seen[True][1] == 0  # every replay came from the profile

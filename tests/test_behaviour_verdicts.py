"""Verdicts on training runs and property checks, as tables of hand-made timelines: no TensorFlow."""
from dataclasses import replace

import pytest

from grader.facts import BehaviourFacts, EpochRecord, Failure, PropertyCheck, PropertyFacts, Timeline
from grader.rubric import load_rubric
from grader.grading import judge

RUBRIC = load_rubric()


def timeline(stop: int, drops=(), saves=(), requested: int = 20, starts=None) -> Timeline:
    """`starts`: epoch -> the rate that epoch starts at (a scheduler's), instead of the last one's."""
    lr, epochs = 1e-3, []
    for epoch in range(1, stop + 1):
        lr = (starts or {}).get(epoch, lr)
        after = lr / 2 if epoch in drops else lr
        epochs.append(EpochRecord(epoch, 0.5, 0.5, lr, after, epoch in saves))
        lr = after
    return Timeline(tuple(epochs), requested)


EXPECTED = BehaviourFacts(scripted=timeline(12, drops=(6, 10), saves=(1, 2, 4, 6, 8)))
GOOD = BehaviourFacts(
    scripted=timeline(12, drops=(6, 10), saves=(1, 2, 4, 6, 8)),
    checkpoint_exists=True, checkpoint_holds_epochs=(8,),
    natural=timeline(6, drops=(4,)),
)


def lost(student, area="behaviour", reference=EXPECTED):
    results = judge(RUBRIC, {area: student}, reference=lambda key: reference).items
    return {r.id for r in results if not r.passed}


CASES = [
    ("as expected", GOOD, set()),
    # Stopping late gives ReduceLROnPlateau more epochs to act in: only the stop is wrong.
    ("stops late, extra drops after the expected stop",
     replace(GOOD, scripted=timeline(17, drops=(6, 10, 13, 16), saves=(1, 2, 4, 6, 8))), {"behaviour.stop_epoch"}),
    # Stopping early hides later events: only the epochs both runs reached are compared.
    ("stops early", replace(GOOD, scripted=timeline(6, drops=(6,), saves=(1, 2, 4, 6)), checkpoint_holds_epochs=(6,)),
     {"behaviour.stop_epoch"}),
    ("drops late", replace(GOOD, scripted=timeline(12, drops=(7, 11), saves=(1, 2, 4, 6, 8))), {"behaviour.lr_drops"}),
    ("saves every epoch",
     replace(GOOD, scripted=timeline(12, drops=(6, 10), saves=range(1, 13)), checkpoint_holds_epochs=(12,)),
     {"behaviour.checkpoint_saves", "behaviour.checkpoint_file"}),
    ("no file", replace(GOOD, checkpoint_exists=False, checkpoint_holds_epochs=(),
                        checkpoint_saved_elsewhere=("best.keras",)), {"behaviour.checkpoint_file"}),
    ("file does not load", replace(GOOD, checkpoint_problem="TypeError: unknown layer", checkpoint_holds_epochs=()),
     {"behaviour.checkpoint_file"}),
    ("natural run never stops", replace(GOOD, natural=timeline(20, drops=(4, 8))), {"behaviour.natural_plateau"}),
    ("natural run never drops", replace(GOOD, natural=timeline(6)), {"behaviour.natural_plateau"}),
    ("fit raised", replace(GOOD, scripted=timeline(0), scripted_failure=Failure("raised", "ValueError: x", where="fit")),
     {"behaviour.lr_drops", "behaviour.checkpoint_saves", "behaviour.checkpoint_file", "behaviour.stop_epoch"}),
    ("nothing ran", BehaviourFacts(failure=Failure("not_implemented", "", where="make_callbacks()")),
     {item.id for item in RUBRIC.in_area("behaviour")}),
    # A scheduler that sets the rate back up after a drop: the drops happen but never hold.
    ("drops undone", replace(GOOD, scripted=timeline(12, drops=(6, 10), saves=(1, 2, 4, 6, 8),
                                                     starts={7: 1e-3, 11: 1e-3}),
                             natural=timeline(6, drops=(4,), starts={5: 1e-3})),
     {"behaviour.lr_drops", "behaviour.natural_plateau"}),
    # A warm-up raises the rate before any drop: nothing is undone.
    ("warm-up before the first drop", replace(GOOD, scripted=timeline(
        12, drops=(6, 10), saves=(1, 2, 4, 6, 8), starts={1: 1e-4, 2: 5e-4, 3: 1e-3})), set()),
    # One of the three broke training; the runs without it judge the other two.
    ("ReduceLROnPlateau broke the runs", replace(GOOD, scripted=timeline(12, saves=(1, 2, 4, 6, 8)),
                                                 natural=timeline(6), broken_callback="ReduceLROnPlateau",
                                                 broken_callback_failure=Failure("raised", "ValueError: mode")),
     {"behaviour.lr_drops", "behaviour.natural_plateau"}),
    ("ModelCheckpoint broke the runs", replace(GOOD, scripted=timeline(12, drops=(6, 10)), checkpoint_exists=False,
                                               broken_callback="ModelCheckpoint",
                                               broken_callback_failure=Failure("raised", "OSError: x")),
     {"behaviour.checkpoint_saves", "behaviour.checkpoint_file"}),
]


def test_undone_drops_say_when_the_rate_went_back_up():
    student = replace(GOOD, scripted=timeline(12, drops=(6, 10), saves=(1, 2, 4, 6, 8), starts={7: 1e-3}))
    item = next(r for r in judge(RUBRIC, {"behaviour": student}, reference=lambda key: EXPECTED).items
                if r.id == "behaviour.lr_drops")
    assert "set back up before epoch 7" in item.found and "LearningRateScheduler" in item.hint


def test_a_natural_run_that_never_stops_is_told_the_epoch_budget():
    student = replace(GOOD, natural=timeline(20, drops=(4, 8)))
    item = next(r for r in judge(RUBRIC, {"behaviour": student}, reference=lambda key: EXPECTED).items
                if r.id == "behaviour.natural_plateau")
    assert "before the 20 epochs the grader asks for" in item.expected and "ran all 20 epochs" in item.found


def test_a_broken_callback_is_named_in_its_items_hint():
    student = replace(GOOD, broken_callback="ReduceLROnPlateau",
                      broken_callback_failure=Failure("raised", "ValueError: cannot tell the mode", where="fit"))
    item = next(r for r in judge(RUBRIC, {"behaviour": student}, reference=lambda key: EXPECTED).items
                if r.id == "behaviour.lr_drops")
    assert "cannot tell the mode" in item.found and "because of your ReduceLROnPlateau" in item.hint


@pytest.mark.parametrize("name, student, must_lose", CASES, ids=[c[0] for c in CASES])
def test_behaviour_verdicts(name, student, must_lose):
    assert lost(student) == must_lose


AGREED = PropertyFacts(checks=tuple(PropertyCheck(kind, examples=60) for kind in
                                    ("ModelCheckpoint", "EarlyStopping", "ReduceLROnPlateau")))


def test_property_verdicts_blame_only_the_callback_that_disagreed():
    assert lost(AGREED, "property", None) == set()
    disagreement = PropertyCheck("EarlyStopping", examples=12, val_loss=(0.9,) * 6, val_accuracy=(0.5,) * 6,
                                 student=timeline(6, requested=6), reference=timeline(5, requested=6))
    student = PropertyFacts(checks=(AGREED.checks[0], disagreement, AGREED.checks[2]))
    results = judge(RUBRIC, {"property": student}, reference=lambda key: None).items
    (failed,) = [r for r in results if not r.passed]
    assert failed.id == "property.early_stopping"
    assert "0.90" in failed.found and "stops after epoch 5" in failed.found and "yours never stops" in failed.found


def test_a_counterexample_on_which_the_timelines_agree_costs_nothing():
    """The verdict judges the timelines it is given, not the probe's say-so."""
    same = PropertyCheck("EarlyStopping", examples=3, val_loss=(0.9,), val_accuracy=(0.5,),
                         student=timeline(1, requested=1), reference=timeline(1, requested=1))
    student = PropertyFacts(checks=(AGREED.checks[0], same, AGREED.checks[2]))
    assert lost(student, "property", None) == set()


def test_a_wrong_stop_shows_the_script_up_to_both_stops():
    """Stopping at 6 where the reference stops at 12: the table runs to epoch 12, so both stops are in it."""
    early = replace(GOOD, scripted=timeline(6, drops=(6,), saves=(1, 2, 4, 6)), checkpoint_holds_epochs=(6,))
    late = replace(GOOD, scripted=timeline(17, drops=(6, 10, 13, 16), saves=(1, 2, 4, 6, 8)))
    for student, last in ((early, 12), (late, 17)):
        result = next(r for r in judge(RUBRIC, {"behaviour": student}, reference=lambda key: EXPECTED).items
                      if r.id == "behaviour.stop_epoch")
        epochs = next(line for line in result.detail.splitlines() if line.strip().startswith("epoch"))
        assert epochs.split()[1:] == [str(e) for e in range(1, last + 1)]


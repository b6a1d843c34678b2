"""Facts round-trip through JSON unchanged: they must cross the sandbox and land in a profile."""
from hypothesis import given
from hypothesis import strategies as st

from grader.facts import CallbackFacts, CallbacksFacts, Failure, from_json, to_json

text = st.text(max_size=20)
maybe = lambda s: st.none() | s  # noqa: E731
callback = st.builds(
    CallbackFacts,
    kind=maybe(st.sampled_from(["ModelCheckpoint", "EarlyStopping", "ReduceLROnPlateau"])),
    class_name=text,
    monitor=maybe(text),
    direction=maybe(st.sampled_from(["min", "max"])),
    patience=maybe(st.integers(0, 100)),
    factor=maybe(st.floats(0, 1)),
    save_best_only=maybe(st.booleans()),
)
failure = st.builds(Failure, kind=st.sampled_from(["raised", "not_implemented"]), summary=text, traceback=text)
facts = st.builds(
    CallbacksFacts,
    given_checkpoint_path=text,
    failure=maybe(failure),
    callbacks=st.lists(callback, max_size=4).map(tuple),
    model_logs=maybe(st.lists(text, max_size=4).map(tuple)),
)


@given(facts)
def test_callbacks_facts_round_trip(value):
    assert from_json(CallbacksFacts, to_json(value)) == value

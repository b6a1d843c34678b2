"""Fixture submissions graded in-process: which rubric items each one loses.

One row per fixture: the items it must lose (every other item must keep its
points), and a phrase its feedback or notes must contain so that a student can
tell what went wrong. The callbacks are graded three ways (configuration, real
training runs, property test against the reference); a row names the losses of
all three, so a change in any of them shows up here.
"""
from __future__ import annotations

import pytest

from grader.areas import AREA_KEYS
from grader.facts import BehaviourFacts, CallbacksFacts, PropertyFacts, from_json, to_json
from grader.grading import grade_submission
from grader.rubric import load_rubric
from tests.conftest import fixture_names

RUBRIC = load_rubric()
GRADED = frozenset(item.id for item in RUBRIC.items if item.area in AREA_KEYS)
# The explore step's items, extra credit: the untouched stubs there are "not attempted" and lose nothing.
EXTRA = frozenset(item.id for item in RUBRIC.items if item.extra)
CONFIG = frozenset(item.id for item in RUBRIC.in_area("callbacks"))
RUNS = frozenset(item.id for item in RUBRIC.in_area("behaviour") + RUBRIC.in_area("property"))
CALLBACK_ITEMS = CONFIG | RUNS
MODEL = frozenset(item.id for item in RUBRIC.in_area("model"))
REDUCE_LR = {"reduce_lr.monitor", "reduce_lr.direction", "reduce_lr.patience", "reduce_lr.factor"}
CHECKPOINT_RUNS = {"behaviour.checkpoint_saves", "behaviour.checkpoint_file", "property.checkpoint"}
STOP_RUNS = {"behaviour.stop_epoch", "property.early_stopping"}
LR_RUNS = {"behaviour.lr_drops", "behaviour.natural_plateau", "property.reduce_lr"}

# fixture name -> (items it must lose, phrase that must appear in its feedback or notes)
CASES = {
    "reference": (set(), None),
    "stubs": (GRADED - EXTRA, "not implemented yet"),
    "correct_auto_modes": (set(), None),
    "correct_explicit_restore_best": (set(), None),
    "correct_subclassed_early_stopping": (set(), None),
    "correct_softmax_two_classes": (set(), None),
    "correct_rescaling_in_model": (set(), None),
    "correct_onehot_categorical": (set(), None),
    "correct_functional_bn_dropout": (set(), None),
    "correct_subclassed_model": (set(), None),
    # Models real code builds: each keeps model.learns and every other point (issue 17, items 1 and 2).
    "correct_five_block_convnet": (set(), "graded and trained on 96x96 images"),
    "correct_batchnorm_residual": (set(), None),
    "correct_plain_sgd": (set(), None),
    "mistake_learning_rate_too_high": ({"model.learns"}, "training up to 192 steps"),
    # The lesson's other callbacks beside the three cost nothing; one that undoes the LR drops costs the
    # items that watch the drops happen (issue 17, item 6); one of the three that breaks training costs
    # its own items, and the runs without it judge the other two.
    "correct_logging_callbacks": (set(), None),
    "correct_warmup_keeps_drops": (set(), None),
    "mistake_scheduler_undoes_drops": ({"behaviour.lr_drops", "behaviour.natural_plateau"},
                                       "but it is set back up before epoch 7"),
    "mistake_reduce_lr_breaks_training": (
        {"reduce_lr.monitor", "reduce_lr.direction"} | LR_RUNS, "because of your ReduceLROnPlateau"),
    "correct_summarize_numpy": (set(), None),
    # Only the item that names the mistake: the network does learn the task (issue 17).
    "mistake_mobilenetv2": ({"model.from_scratch"}, "model.py uses keras.applications"),
    # The model is trained at the size it takes (150x150): only the item naming the mistake loses.
    "mistake_hardcoded_input_size": ({"model.input_shape"}, "the model takes (150, 150, 3)"),
    "mistake_no_normalization": ({"data.value_range"}, "never scaled from 0-255 to 0-1"),
    "mistake_double_normalization": ({"data.value_range"}, "scaled twice"),
    "mistake_wrong_split": ({"data.request"}, "train[:20%]"),
    "mistake_no_shuffle": ({"data.shuffled", "data.reshuffled"}, "examples in the order 0, 1, 2, 3"),
    # Only the hidden item sees it: graded here and in batch mode, never in the students' copy.
    "mistake_shuffle_once": ({"data.reshuffled"}, "the same order on both passes"),
    # The cache is written by the first whole pass: the probe makes one when a pipeline caches.
    "mistake_cache_after_shuffle": ({"data.reshuffled"}, "the same order on both passes"),
    "mistake_summarize_zero_based": ({"train.summarize"}, "best_epoch: expected 1, yours 0"),
    # Each a way to read one of summarize's answers wrong (issue 17, item 7): the corpus moves every
    # key on its own, so each loses train.summarize (tests/test_summarize_corpus.py has the rest).
    "mistake_summarize_best_by_val_loss": ({"train.summarize"}, "best_epoch: expected 2, yours 1"),
    "mistake_summarize_last_of_ties": ({"train.summarize"}, "best_epoch: expected 1, yours 2"),
    "mistake_summarize_training_accuracy": ({"train.summarize"}, "best_val_accuracy: expected 0.7, yours 0.6803"),
    "mistake_summarize_last_val_accuracy": ({"train.summarize"}, "best_val_accuracy: expected 0.8, yours 0.5"),
    "mistake_summarize_epochs_requested": ({"train.summarize"}, "epochs_run: expected 1, yours 2"),
    "mistake_summarize_stopped_before_50": ({"train.summarize"}, "stopped_early: expected False, yours True"),
    "mistake_summarize_lr_below_constant": ({"train.summarize"}, "lr_reduced: expected False, yours True"),
    "mistake_summarize_final_lr_first": ({"train.summarize"}, "final_lr: expected 0.0002, yours 0.001"),
    "mistake_val_acc": ({"checkpoint.monitor"} | CHECKPOINT_RUNS, "Keras never sees 'val_acc'"),
    "mistake_checkpoint_min_mode": ({"checkpoint.direction"} | CHECKPOINT_RUNS, "yours saves the model after epoch 1."),
    "mistake_save_every_epoch": (
        {"checkpoint.save_best_only"} | CHECKPOINT_RUNS,
        "it is saved after epochs 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 and 12",
    ),
    "mistake_hardcoded_checkpoint_path": (
        {"checkpoint.uses_path_argument", "behaviour.checkpoint_file"},
        "the model was saved to 'best_cat_dog_model.keras'",
    ),
    "mistake_swapped_patiences": (
        {"early_stopping.patience", "reduce_lr.patience"} | STOP_RUNS | LR_RUNS,
        "training stops before the learning rate can ever drop",
    ),
    "mistake_early_stopping_on_val_accuracy": (
        {"early_stopping.monitor", "early_stopping.direction"} | STOP_RUNS,
        "training stops after epoch 13 of 20",
    ),
    "mistake_factor_one": (CALLBACK_ITEMS, "ReduceLROnPlateau does not support a factor >= 1.0"),
    "mistake_two_callbacks": ({"callbacks.types"} | REDUCE_LR | LR_RUNS, "no ReduceLROnPlateau in the list"),
    "mistake_no_accuracy_metric": ({"model.accuracy_metric"}, "Compile the model with metrics=['accuracy']"),
    # One model mistake: data.labels accepts the 0/1 labels, since the loss does not fit the output,
    # and the model does learn the easy task (model.learns trains until it has, or a budget runs out).
    "mistake_softmax_with_binary_crossentropy": (
        {"model.output_loss"}, "2 output unit(s) with activation 'softmax', loss 'binary_crossentropy'"),
    "mistake_wrong_default_filename": ({"checkpoint.default_filename"}, "saves to 'model.keras'"),
    "mistake_reduce_lr_patience_10": (
        {"reduce_lr.patience"} | LR_RUNS,
        "the reference's ReduceLROnPlateau lowers the learning rate after epoch 4; yours never lowers",
    ),
    "mistake_checkpoint_on_val_loss": (
        {"checkpoint.monitor", "checkpoint.direction"} | CHECKPOINT_RUNS,
        "ModelCheckpoint monitor = 'val_loss'",
    ),
    "mistake_early_stopping_max_on_loss": ({"early_stopping.direction"} | STOP_RUNS, "max (higher is better)"),
    "mistake_no_default_path": ({"checkpoint.default_filename"}, "missing 1 required positional argument"),
    "mistake_early_stopping_patience_10": (
        {"early_stopping.patience"} | STOP_RUNS,
        "training stops after epoch 17 of 20",
    ),
    # states patience=5 (attributes and get_config) but stops at the first epoch without improvement:
    # its settings are worth nothing when it does not act on them
    "mistake_subclass_misstates_patience": (
        {"early_stopping.monitor", "early_stopping.direction", "early_stopping.patience",
         "behaviour.natural_plateau"} | STOP_RUNS,
        "does not act as its settings say",
    ),
    "mistake_min_lr_blocks_drops": (LR_RUNS, "it never drops"),
    # Its settings read right, but it never acts on them: they earn nothing either.
    "mistake_reduce_lr_that_does_nothing": (REDUCE_LR | LR_RUNS, "does not act as its settings say"),
    # train() is graded on its own; the runs call make_callbacks themselves.
    "mistake_train_without_callbacks": ({"train.fit_call"}, "callbacks: none"),
    "broken_syntax_error": (CALLBACK_ITEMS, "callbacks.py could not be imported: SyntaxError"),
    "broken_exit_at_import": (CALLBACK_ITEMS, "callbacks.py called sys.exit()"),
    "broken_model_raises_at_import": (MODEL, "model.py could not be imported"),
    "broken_callbacks_raise_typeerror": (CALLBACK_ITEMS, "unexpected keyword argument 'save_best'"),
    # The data probe's mock looks like the real cats_vs_dogs; slices are judged by the examples they select.
    "correct_data_with_info_splits": (set(), None),
    "correct_data_negative_percent": (set(), None),
    "correct_data_builder_as_dataset": (set(), None),
    "correct_data_feature_dicts": (set(), None),
    "mistake_data_overlapping_slices": ({"data.request"}, "2,326 examples are in two slices"),
    # Judged by what the datasets hold (the mock's 'train' split has its 23,262 examples): the whole split
    # cut by hand passes; the right slices in the wrong order, or a cut after a shuffle that reshuffles
    # every pass, do not. The shuffle before the cut still shuffles the training set, on every pass.
    "correct_data_take_skip": (set(), None),
    "correct_data_take_skip_hardcoded": (set(), None),
    "mistake_data_swapped_slices": ({"data.request"}, "training and validation are swapped"),
    "mistake_data_shuffle_before_split": ({"data.request"}, "a different set of examples on each pass"),
    # cats_vs_dogs has no 'test' split: tfds raises, as it does on the real dataset, and nothing is read
    "mistake_data_test_split": ({item.id for item in RUBRIC.in_area("data")}, "Unknown split 'test'"),
    # only the model's items: with no model to check, the data items take a 0-255 pipeline and 0/1 labels
    "mistake_data_model_build_raises": (MODEL, "Unrecognized keyword arguments passed to Conv2D"),
}


def test_every_fixture_folder_has_a_row():
    assert set(fixture_names()) | {"reference", "stubs"} == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture_loses_exactly_its_items(name, graded):
    must_lose, phrase = CASES[name]
    grade = graded(name)
    assert {item.id for item in grade.items} == GRADED
    assert grade.lost() == set(must_lose), "\n\n".join(i.feedback() for i in grade.items if not i.passed)
    if phrase:
        text = "\n".join([i.feedback() for i in grade.items] + grade.notes)
        assert " ".join(phrase.split()) in " ".join(text.split())  # wrapped lines read as one
    assert grade.part_score == grade.max_score - sum(i.max_points for i in grade.items if i.id in must_lose and not i.extra)


def test_feedback_shows_the_students_own_line_and_no_grader_frames(graded):
    detail = graded("mistake_factor_one").items[0].detail
    assert 'File "callbacks.py", line 10, in make_callbacks' in detail
    assert "keras/src" not in detail and "grader/" not in detail
    assert detail.rstrip().endswith("Received factor=1.0")


def test_syntax_error_points_at_the_line(graded, submission_path):
    detail = graded("broken_syntax_error").items[0].detail
    assert 'File "callbacks.py", line' in detail and "SyntaxError" in detail
    assert str(submission_path("broken_syntax_error")) not in detail


def test_a_broken_model_is_replaced_by_a_stand_in_for_the_runs(graded):
    training = graded("broken_model_raises_at_import").facts["behaviour"]
    assert training.stand_in_model and "model.py could not be imported" in training.model_problem
    assert any(note.startswith("The training runs could not use your build_model (model.py could not be imported")
               and "trained a small model of the grader's instead" in note
               for note in graded("broken_model_raises_at_import").notes)
    assert not graded("reference").facts["behaviour"].stand_in_model


def test_a_model_graded_at_a_larger_size_is_told_once_and_why_in_plain_words(graded):
    """The model area and the training runs' area both say the size: the grade shows it once, and
    Keras's "Computed output size would be zero or negative. Received `inputs shape=...`" is said
    in words a beginner can act on."""
    for name, why in (("correct_five_block_convnet", "shrink images that small to nothing"),
                      ("mistake_hardcoded_input_size", "It takes 150x150 images whatever input_shape")):
        notes = graded(name).notes
        sizes = [note for note in notes if "graded and trained on" in note]
        assert len(sizes) == 1, notes
        assert any(why in note for note in notes), notes
        assert not any("Received `inputs shape" in note for note in notes), notes


def test_the_reference_timeline_is_kept_as_facts(graded):
    facts = graded("reference").facts
    scripted, natural = facts["behaviour"].scripted, facts["behaviour"].natural
    assert (scripted.lr_drops(), scripted.saves(), scripted.last_epoch) == ((6, 10), (1, 2, 4, 6, 8), 12)
    assert scripted.epochs[0].val_loss == 0.7 and scripted.epochs[5].learning_rate_after < scripted.epochs[5].learning_rate
    assert natural.stopped_early and natural.lr_drops()
    assert facts["behaviour"].checkpoint_holds_epochs == (8,)
    for area, kind in (("callbacks", CallbacksFacts), ("behaviour", BehaviourFacts), ("property", PropertyFacts)):
        assert from_json(kind, to_json(facts[area])) == facts[area]


def test_same_submission_same_facts_and_feedback(graded, submission_path):
    """Seeded: a second grading of a fixture gives the same facts, measured losses included."""
    again = grade_submission(submission_path("mistake_swapped_patiences"))
    first = graded("mistake_swapped_patiences")
    assert again.items == first.items and again.notes == first.notes
    assert to_json(again.facts["behaviour"]) == to_json(first.facts["behaviour"])

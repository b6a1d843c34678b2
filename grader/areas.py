"""The rubric areas, declared once: what each one records, how it is probed and where it is judged.

Everything that walks the areas reads this table, in this order: the rubric (numbers and
titles), the grading loop (`grader.grading`), the pytest face, the batch worker and the
gradebook. Adding an area is one entry here, its probe and facts, and its verdicts with
their rubric items (see "Adding a rubric area" in the README).

Probes and verdicts are named as strings and imported only when used, so that this
table can be read without importing TensorFlow (the trusted side of batch grading never
imports a probe).
"""
from __future__ import annotations

import importlib
import json
from dataclasses import dataclass

from grader.facts import (BehaviourFacts, CallbacksFacts, DataFacts, ExploreFacts, ModelFacts, PropertyFacts,
                          PropertyReference, TrainFacts, facts_from_data, facts_to_data)


@dataclass(frozen=True)
class Area:
    key: str  # the prefix-free name rubric items, results.json tags and the gradebook use
    title: str
    facts: type  # what its probe returns for a submission
    probe: str  # "module:function", called as function(submission, scratch, *reference facts of `uses`)
    verdicts: str  # the module whose @verdict functions judge its items
    # The reference's facts of these areas, handed to the probe after (submission, scratch).
    # The area's own are handed only where they are recorded in the profile (else None):
    # computing them live would cost the reference the same work again.
    uses: tuple[str, ...] = ()
    # Where the reference's facts are not what `probe` gives on reference/: their class, and
    # the probe that makes them, called as function(reference, scratch, *its facts of `reference_uses`).
    reference_facts: type | None = None
    reference_probe: str | None = None
    reference_uses: tuple[str, ...] = ()

    @property
    def number(self) -> int:
        return [area.key for area in AREAS].index(self.key) + 1

    @property
    def reference_class(self) -> type:
        return self.reference_facts or self.facts

    def probe_function(self, reference: bool = False):
        module, name = (self.reference_probe if reference and self.reference_probe else self.probe).split(":")
        return getattr(importlib.import_module(module), name)


AREAS: tuple[Area, ...] = (
    Area("callbacks", "Callback configuration", CallbacksFacts,
         probe="grader.probes.callbacks:probe_callbacks", verdicts="grader.verdicts.callbacks"),
    Area("behaviour", "Callbacks in a real training run", BehaviourFacts,
         probe="grader.probes.behaviour:probe_behaviour", verdicts="grader.verdicts.behaviour",
         reference_probe="grader.probes.behaviour:expected_behaviour", reference_uses=("callbacks",)),
    Area("property", "Your callbacks against the reference on generated histories", PropertyFacts,
         probe="grader.probes.property:probe_property", verdicts="grader.verdicts.property",
         uses=("callbacks", "property"), reference_facts=PropertyReference,
         reference_probe="grader.probes.property:reference_property", reference_uses=("callbacks",)),
    Area("model", "The model", ModelFacts, probe="grader.probes.model:probe_model",
         verdicts="grader.verdicts.model"),
    Area("data", "The data pipeline", DataFacts, probe="grader.probes.data:probe_data",
         verdicts="grader.verdicts.data"),
    Area("train", "Training and reading the results", TrainFacts, probe="grader.probes.train:probe_train",
         verdicts="grader.verdicts.train"),
    Area("explore", "Explore: a callback of your own, a warm-up, training logs", ExploreFacts,
         probe="grader.probes.explore:probe_explore", verdicts="grader.verdicts.explore", uses=("callbacks",)),
)
AREA_KEYS: tuple[str, ...] = tuple(area.key for area in AREAS)
BY_KEY = {area.key: area for area in AREAS}


def area(key: str) -> Area:
    try:
        return BY_KEY[key]
    except KeyError:
        raise ValueError(f"no rubric area {key!r}") from None


def area_from_data(key: str, data: dict):
    return facts_from_data(area(key).facts, data)


def settled(key: str, facts, reference: bool = False):
    """The facts as verdicts see them in every mode: through their JSON form, as batch sends them.

    What student code returned can pretend (a str subclass whose == is always True, an
    int that equals anything): after the round trip only plain values are left, and
    the grade cannot depend on whether the facts crossed a process boundary, or came
    from the profile file rather than from reference/.
    """
    cls = area(key).reference_class if reference else area(key).facts
    return facts_from_data(cls, json.loads(json.dumps(facts_to_data(facts))))


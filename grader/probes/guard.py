"""What student code must not change for the grader to see straight: builtins and Keras's classes.

A submission could make a wrong callback look right by replacing `isinstance`, or
`keras.callbacks.EarlyStopping` with a look-alike, or `Model.fit` with something that
reports the expected events. `Submission.call` takes a snapshot before each call into
student code and, after it, puts back anything replaced or deleted and says what; the
call then counts as failed. Additions are left alone: importing a module adds names.
"""
from __future__ import annotations

import builtins
import sys
import types

# (module name, attribute) of the Keras objects the probes read or call.
KERAS_CLASSES = (
    ("keras.callbacks", "Callback"),
    ("keras.callbacks", "EarlyStopping"),
    ("keras.callbacks", "ModelCheckpoint"),
    ("keras.callbacks", "ReduceLROnPlateau"),
    ("keras.callbacks", "History"),
    ("keras.callbacks", "CallbackList"),
    ("keras", "Model"),
    ("keras.optimizers", "Optimizer"),
)
KERAS_MODULES = ("keras", "keras.callbacks", "keras.models", "keras.layers", "keras.applications")


def _watched():
    """(label, namespace object, is a class) for everything watched, as loaded right now."""
    yield "builtins", builtins, False
    for name in KERAS_MODULES:
        module = sys.modules.get(name)
        if module is not None:
            yield name, module, False
    seen = set()
    for module_name, attribute in KERAS_CLASSES:
        module = sys.modules.get(module_name)
        cls = getattr(module, attribute, None) if module is not None else None
        for klass in getattr(cls, "__mro__", ())[:-1]:  # not object itself
            if klass not in seen:
                seen.add(klass)
                yield f"{klass.__module__}.{klass.__qualname__}", klass, True


def snapshot() -> list:
    taken = []
    for label, owner, is_class in _watched():
        values = dict(vars(owner))
        code = {key: value.__code__ for key, value in values.items() if isinstance(value, types.FunctionType)}
        taken.append((label, owner, is_class, values, code))
    return taken


def _code(value) -> bool:
    """Functions and classes: what the grader calls. Data and submodules may change by design
    (a lazily loaded submodule replaces its placeholder when first used)."""
    return isinstance(value, (type, types.FunctionType, types.BuiltinFunctionType, types.MethodDescriptorType,
                              classmethod, staticmethod, property))


def restore(before: list) -> list[str]:
    """Put back what changed since `before`; the names of what was replaced, deleted or shadowed."""
    replaced = []
    for label, owner, is_class, saved, code in before:
        now = dict(vars(owner))
        for key, original in code.items():  # a function whose body was swapped in place
            if saved[key].__code__ is not original:
                replaced.append(f"{label}.{key}.__code__")
                saved[key].__code__ = original
        for key, value in saved.items():
            if (key in now and now[key] is value) or not _code(value):
                continue
            replaced.append(f"{label}.{key}")
            try:
                setattr(owner, key, value)
            except (AttributeError, TypeError):
                pass
        if not is_class:
            continue
        for key in now.keys() - saved.keys():  # e.g. Model.fit set on Model, shadowing Trainer.fit
            if not key.startswith("__") and _code(now[key]) and any(key in vars(base) for base in owner.__mro__[1:]):
                replaced.append(f"{label}.{key}")
                try:
                    delattr(owner, key)
                except (AttributeError, TypeError):
                    pass
    return sorted(replaced)[:5]

"""The public API's conventions, checked over every exported name (after scanpy's
``test_package_structure``): what ``personas.__all__`` promises can be imported; stage verbs
take and return frozen dataclasses; public functions have numpydoc docstrings; options beyond
two positional parameters are keyword-only."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import subprocess
import sys
from types import FunctionType

import pytest

import personas

PUBLIC = [name for name in personas.__all__ if name != "__version__"]
FUNCTIONS = [name for name in PUBLIC if isinstance(getattr(personas, name), FunctionType)]
CLASSES = [name for name in PUBLIC if isinstance(getattr(personas, name), type)]
#: stage verb -> (type of its first parameter, type it returns); None: a path or an instrument
#: file, not a stage result.
STAGES = {
    "load_instrument": (None, "Instrument"),
    "read_responses": (None, "Responses"),
    "clean": ("Responses", "CleanResponses"),
    "segment": ("CleanResponses", "Segmentation"),
    "compare": ("Segmentation", "Comparison"),
    "embed": ("CleanResponses", "Embedding"),
    "simulate": ("Instrument", "Simulation"),
    "analyze": ("Instrument", "Analysis"),
    "save_run": ("Analysis", "Run"),
    "load_run": (None, "Run"),
    "assign": ("Run", "Assignment"),
}
#: exported classes that are not results: errors and a scikit-learn estimator (mutable by
#: scikit-learn's own convention: fit() sets attributes).
NOT_RESULTS = {"KModes", "PersonasError", "InputError"}


def _type(annotation):
    """An annotation (a string under ``from __future__ import annotations``) as its class."""
    if not isinstance(annotation, str):
        return annotation
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("personas"):
            found = getattr(module, annotation, None)
            if isinstance(found, type):
                return found
    raise AssertionError(f"cannot resolve the annotation {annotation!r}")


def _frozen(cls) -> bool:
    return dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen


@pytest.mark.slow
def test_every_exported_name_imports_in_a_fresh_interpreter():
    """`from personas import X` in a new process gives X itself, whatever was imported first
    (the stage verbs segment, compare, embed, simulate share their subpackage's name)."""
    code = (
        "import importlib, personas\n"
        "for sub in ('segment', 'compare', 'embed', 'simulate', 'cleaning', 'io'):\n"
        "    importlib.import_module('personas.' + sub)\n"
        "for name in personas.__all__[1:]:\n"
        "    exec(f'from personas import {name} as obj')\n"
        "    print(name, obj.__module__, obj.__qualname__)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    got = {line.split()[0]: line.split()[1:] for line in done.stdout.splitlines()}
    for name in PUBLIC:
        obj = getattr(personas, name)
        assert got[name] == [obj.__module__, obj.__qualname__], name
    assert set(PUBLIC) <= set(dir(personas))


def test_all_lists_what_the_module_docstring_names():
    assert set(STAGES) <= set(FUNCTIONS)
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        personas.nonexistent  # noqa: B018


@pytest.mark.parametrize("name", sorted(STAGES))
def test_stage_verbs_take_and_return_frozen_dataclasses(name):
    signature = inspect.signature(getattr(personas, name))
    takes, gives = STAGES[name]
    returned = _type(signature.return_annotation)
    assert returned.__name__ == gives and _frozen(returned), f"{name} returns {returned}"
    if takes is not None:
        first = next(iter(signature.parameters.values()))
        given = _type(first.annotation)
        assert given.__name__ == takes and _frozen(given), f"{name} takes {given}"


@pytest.mark.parametrize("name", [n for n in CLASSES if n not in NOT_RESULTS])
def test_exported_result_classes_are_frozen(name):
    cls = getattr(personas, name)
    assert _frozen(cls), f"{name} is not a frozen dataclass"
    field = dataclasses.fields(cls)[0].name
    instance = object.__new__(cls)
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(instance, field, None)


@pytest.mark.parametrize("name", [n for n in CLASSES if n not in NOT_RESULTS])
def test_result_fields_say_what_they_hold(name):
    """No field typed ``object``: a reader (and a type checker) must know what a stage holds."""
    cls = getattr(personas, name)
    vague = [f.name for f in dataclasses.fields(cls) if str(f.type).startswith("object")]
    assert not vague, f"{name} fields typed object: {vague}"


@pytest.mark.parametrize("name", FUNCTIONS)
def test_public_functions_have_numpydoc_docstrings(name):
    func = getattr(personas, name)
    doc = inspect.getdoc(func) or ""
    summary = doc.split("\n", 1)[0]
    assert summary and summary.endswith("."), f"{name}: one-line summary ending in a period"
    parameters = [p for p in inspect.signature(func).parameters if p not in ("self",)]
    assert "Parameters\n----------" in doc, f"{name}: no Parameters section"
    assert "Returns\n-------" in doc, f"{name}: no Returns section"
    section = doc.split("Parameters\n----------", 1)[1].split("\n\n", 1)[0]
    for param in parameters[:2]:  # the positional ones, at least, are described
        assert param in section, f"{name}: parameter {param!r} not described"


@pytest.mark.parametrize("name", FUNCTIONS)
def test_options_beyond_two_positional_parameters_are_keyword_only(name):
    parameters = inspect.signature(getattr(personas, name)).parameters.values()
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    positional = [p.name for p in parameters if p.kind in kinds]
    assert len(positional) <= 2, f"{name}: {positional[2:]} should be keyword-only"
    assert not [p for p in parameters if p.kind is p.VAR_POSITIONAL], f"{name} takes *args"


def test_the_checks_fail_on_a_function_that_breaks_them():
    """The conventions can fail: a mutable result, a bare docstring, three positionals."""

    @dataclasses.dataclass
    class Mutable:
        x: int = 0

    def bad(a, b, c) -> Mutable:
        """Do it"""

    assert not _frozen(Mutable)
    positional = [p for p in inspect.signature(bad).parameters.values() if p.default is p.empty]
    assert len(positional) == 3
    assert "Parameters\n----------" not in (inspect.getdoc(bad) or "")


def test_subpackages_keep_their_contents_importable():
    """The verbs win on ``personas``; the subpackages themselves stay importable."""
    for sub in ("segment", "compare", "embed", "simulate"):
        module = importlib.import_module(f"personas.{sub}")
        assert module.__name__ == f"personas.{sub}" and hasattr(module, "__all__")
        assert callable(getattr(personas, sub)) and not inspect.ismodule(getattr(personas, sub))

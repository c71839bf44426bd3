"""personas: mixed-methods persona research, from tension model to report.

One stage, one verb, one object::

    load_instrument -> Instrument        read_responses -> Responses
    clean -> CleanResponses (+ Ledger)   segment -> Segmentation
    compare -> Comparison                embed -> Embedding
    analyze chains them -> Analysis      save_run / load_run -> Run
    write_report(Run) -> index.qmd, index.html, index.pdf (build_report + render_report)

Names are imported lazily so that ``import personas`` stays fast (UMAP and its numba code are
loaded only when a map is drawn).
"""

from __future__ import annotations

import importlib
import sys
import types

__version__ = "0.1.0"

_EXPORTS = {
    "load_instrument": "personas.instrument",
    "Instrument": "personas.instrument.model",
    "read_responses": "personas.io",
    "Responses": "personas.io.responses",
    "clean": "personas.cleaning",
    "CleanResponses": "personas.cleaning.model",
    "Ledger": "personas.cleaning.model",
    "segment": "personas.segment",
    "KModes": "personas.segment",
    "Segmentation": "personas.segment.model",
    "compare": "personas.compare.core",
    "Comparison": "personas.compare.core",
    "embed": "personas.embed.core",
    "Embedding": "personas.embed.core",
    "simulate": "personas.simulate.core",
    "write_wave": "personas.simulate.core",
    "analyze": "personas.run.analysis",
    "Analysis": "personas.run.analysis",
    "save_run": "personas.run.analysis",
    "load_run": "personas.run.files",
    "Run": "personas.run.files",
    "write_report": "personas.report.write",
    "build_report": "personas.report.build",
    "render_report": "personas.report.render",
    "assign": "personas.waves.assignment",
    "PersonasError": "personas.errors",
    "InputError": "personas.errors",
    "Problem": "personas.errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'personas' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


class _Package(types.ModuleType):
    """``personas`` itself: the stage verbs win over the subpackages of the same name.

    ``segment``, ``compare``, ``embed`` and ``simulate`` are both a verb exported here and the
    subpackage that holds it. Importing a subpackage makes Python set it as an attribute of
    ``personas``, which would hide the verb (``from personas import segment`` would give the
    module, depending on what was imported first). The attribute is not stored, so the lazy
    :func:`__getattr__` returns the verb; import the subpackages' contents with
    ``from personas.segment import ...``.
    """

    def __setattr__(self, name: str, value) -> None:
        if name in _EXPORTS and isinstance(value, types.ModuleType):
            return  # the subpackage personas.<name>: keep the verb of that name
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

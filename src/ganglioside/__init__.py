"""ganglioside: validate, categorise and quantify gangliosides in LC-MS/MS feature tables.

The public API::

    import ganglioside
    result = ganglioside.analyze("table.csv")
    result.compounds          # one row per input row
    study = ganglioside.study("design.csv")   # many samples: matrix, statistics, drift

Instrument exports (MS-DIAL, LipidSearch, MZmine, Skyline) are recognised by their columns;
``read_export`` reads one into a table per sample and ``analyze_samples`` analyses each.

``analyze`` and the result classes are imported on first use (they pull in pandas and the
pipeline), so ``import ganglioside`` and ``ganglioside --version`` start quickly.
"""

from __future__ import annotations

import importlib
import warnings
from typing import TYPE_CHECKING, Any

from .config import AnalysisConfig
from .errors import ConfigError, GangliosideError, InputError, NameSyntaxError

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from .inputs import read_export
    from .pipeline import analyze
    from .pipeline.samples import analyze_samples
    from .result import COMPOUND_COLUMNS, STATUSES, AnalysisResult, ModelReport
    from .studies import StudyConfig, StudyResult, study

__version__ = "0.1.0"

#: Public names imported on first access, and the module that holds each.
_LAZY: dict[str, str] = {
    "analyze": ".pipeline",
    "analyze_samples": ".pipeline.samples",
    "read_export": ".inputs",
    "study": ".studies",
    "StudyConfig": ".studies",
    "StudyResult": ".studies",
    "COMPOUND_COLUMNS": ".result",
    "STATUSES": ".result",
    "AnalysisResult": ".result",
    "ModelReport": ".result",
}

#: Old public names kept for one release, each with the name that replaces it.
_DEPRECATED: dict[str, str] = {"Analysis": "AnalysisResult"}


def __getattr__(name: str) -> Any:
    if name in _DEPRECATED:
        new = _DEPRECATED[name]
        warnings.warn(
            f"ganglioside.{name} is deprecated and will be removed in the next release; "
            f"use ganglioside.{new}",
            DeprecationWarning,
            stacklevel=2,
        )
        return __getattr__(new)
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ganglioside' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "COMPOUND_COLUMNS",
    "STATUSES",
    "AnalysisConfig",
    "AnalysisResult",
    "ConfigError",
    "GangliosideError",
    "InputError",
    "ModelReport",
    "NameSyntaxError",
    "StudyConfig",
    "StudyResult",
    "__version__",
    "analyze",
    "analyze_samples",
    "read_export",
    "study",
]

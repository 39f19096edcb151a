"""ganglioside: validate, categorise and quantify gangliosides in LC-MS/MS feature tables.

The public API::

    import ganglioside
    result = ganglioside.analyze("table.csv")
    result.compounds          # one row per input row

``analyze`` and the result classes are imported on first use (they pull in pandas and the
pipeline), so ``import ganglioside`` and ``ganglioside --version`` start quickly.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .config import AnalysisConfig
from .errors import ConfigError, GangliosideError, InputError, NameSyntaxError

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from .pipeline import analyze
    from .result import COMPOUND_COLUMNS, STATUSES, Analysis, ModelReport

__version__ = "0.1.0"

#: Public names imported on first access, and the module that holds each.
_LAZY: dict[str, str] = {
    "analyze": ".pipeline",
    "COMPOUND_COLUMNS": ".result",
    "STATUSES": ".result",
    "Analysis": ".result",
    "ModelReport": ".result",
}


def __getattr__(name: str) -> Any:
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
    "Analysis",
    "AnalysisConfig",
    "ConfigError",
    "GangliosideError",
    "InputError",
    "ModelReport",
    "NameSyntaxError",
    "__version__",
    "analyze",
]

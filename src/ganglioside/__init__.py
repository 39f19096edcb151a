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

from typing import TYPE_CHECKING

from ._lazy import lazy_names, names_of
from .config import AnalysisConfig
from .errors import ConfigError, GangliosideError, InputError, NameSyntaxError

if TYPE_CHECKING:  # pragma: no cover - what the lazy names are, for type checkers
    from .inputs import read_export as read_export
    from .pipeline import analyze as analyze
    from .pipeline.samples import analyze_samples as analyze_samples
    from .result import COMPOUND_COLUMNS as COMPOUND_COLUMNS
    from .result import STATUSES as STATUSES
    from .result import AnalysisResult as AnalysisResult
    from .result import ModelReport as ModelReport
    from .studies import StudyConfig as StudyConfig
    from .studies import StudyResult as StudyResult
    from .studies import study as study

__version__ = "0.1.0"

#: Public names imported on first access, by the module that holds them.
_LAZY: dict[str, tuple[str, ...]] = {
    ".pipeline": ("analyze",),
    ".pipeline.samples": ("analyze_samples",),
    ".inputs": ("read_export",),
    ".studies": ("study", "StudyConfig", "StudyResult"),
    ".result": ("COMPOUND_COLUMNS", "STATUSES", "AnalysisResult", "ModelReport"),
}

__getattr__, __dir__ = lazy_names(__name__, globals(), _LAZY)

__all__ = [
    "AnalysisConfig",
    "ConfigError",
    "GangliosideError",
    "InputError",
    "NameSyntaxError",
    "__version__",
    *names_of(_LAZY),
]

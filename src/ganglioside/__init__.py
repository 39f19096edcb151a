"""ganglioside: validate, categorise and quantify gangliosides in LC-MS/MS feature tables.

The public API::

    import ganglioside
    result = ganglioside.analyze("table.csv")
    result.compounds          # one row per input row
    study = ganglioside.study("design.csv")   # many samples: matrix, statistics, drift

Instrument exports (MS-DIAL, LipidSearch, MZmine, Skyline) are recognised by their columns;
``read_export`` reads one into a table per sample and ``analyze_samples`` analyses each.
"""

from __future__ import annotations

from .config import AnalysisConfig
from .errors import ConfigError, GangliosideError, InputError, NameSyntaxError
from .inputs import read_export
from .pipeline import analyze
from .pipeline.samples import analyze_samples
from .result import COMPOUND_COLUMNS, STATUSES, Analysis, ModelReport
from .study import StudyConfig, StudyResult, study

__version__ = "0.1.0"

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
    "StudyConfig",
    "StudyResult",
    "__version__",
    "analyze",
    "analyze_samples",
    "read_export",
    "study",
]

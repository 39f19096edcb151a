"""ganglioside: validate, categorise and quantify gangliosides in LC-MS/MS feature tables.

The public API::

    import ganglioside
    result = ganglioside.analyze("table.csv")
    result.compounds          # one row per input row
"""

from __future__ import annotations

from .config import AnalysisConfig
from .errors import ConfigError, GangliosideError, InputError, NameSyntaxError
from .pipeline import analyze
from .result import COMPOUND_COLUMNS, STATUSES, Analysis, ModelReport

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
    "__version__",
    "analyze",
]

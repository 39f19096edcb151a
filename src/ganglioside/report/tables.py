"""Tables of an analysis: ``compounds.csv`` and the model table shared by the workbook and HTML."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from ..result import Analysis
from .safe import safe_frame


def compounds_csv(analysis: Analysis) -> str:
    """The compounds frame as CSV text (comma separated, ``\\n`` line ends, formulas neutralised).

    Numbers are written at full precision; missing values are empty cells.
    """
    return str(safe_frame(analysis.compounds).to_csv(index=False, lineterminator="\n"))


def write_compounds_csv(analysis: Analysis, path: str | Path) -> Path:
    """Write ``compounds.csv`` (UTF-8) to ``path`` and return the path."""
    path = Path(path)
    path.write_text(compounds_csv(analysis), encoding="utf-8", newline="")
    return path


def _plus_minus(value: float, se: float) -> str:
    return f"{value:.4f}" if se is None or not math.isfinite(se) else f"{value:.4f} ± {se:.4f}"


def models_table(analysis: Analysis) -> pd.DataFrame:
    """One row per RT model, lists written out as text for spreadsheets and HTML.

    ``intercepts`` reads ``unit = value ± se`` (the standard error left out where the model has
    none), ``tracks`` reads ``unit = offset``.
    """
    rows = []
    for model in analysis.models:
        record = model.to_dict()
        record["groups"] = ", ".join(model.groups)
        record["intercepts"] = "; ".join(
            f"{unit} = {_plus_minus(value, se)}" for unit, (value, se) in model.intercepts.items()
        )
        record["tracks"] = "; ".join(f"{unit} = {v:+.3f}" for unit, v in model.tracks.items())
        record["logp_range"] = (
            f"{model.logp_range[0]:.2f} to {model.logp_range[1]:.2f}" if model.logp_range else ""
        )
        record["warnings"] = "; ".join(model.warnings)
        rows.append(record)
    columns = list(analysis.models[0].to_dict()) if analysis.models else ["model_id"]
    return pd.DataFrame(rows, columns=columns)

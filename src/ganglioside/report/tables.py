"""``compounds.csv``: one row per input row, every column of the compounds frame."""

from __future__ import annotations

from pathlib import Path

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

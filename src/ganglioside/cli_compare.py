"""``ganglioside compare A B``: two analyses side by side.

A and B are each a folder written by ``ganglioside analyze`` (its ``compounds.csv`` and
``summary.json``) or a feature table (analysed here with the defaults, or ``--config`` and
``--set``).  Two tables with the same content pair up row by row; otherwise rows pair up by
species and retention time (:mod:`ganglioside.compare`).  The comparison is printed, and with
``-o`` written as ``changes.csv`` (the rows whose status differs) and ``abundance.csv``.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cli_inputs import add_parameter_arguments, analysis_config

if TYPE_CHECKING:  # pragma: no cover
    from .result import AnalysisResult


def add_compare_parser(commands: Any) -> None:
    """The ``compare`` subcommand and its options."""
    compare = commands.add_parser(
        "compare",
        help="compare two analyses: statuses, abundances, parameters",
        description="Compare two analyses A and B, each a folder written by 'ganglioside "
        "analyze' or a feature table (analysed with the defaults, --config and --set).",
    )
    compare.add_argument("a", metavar="A", help="results folder or feature table")
    compare.add_argument("b", metavar="B", help="results folder or feature table")
    compare.add_argument(
        "-o", "--output", metavar="OUTDIR", help="also write changes.csv and abundance.csv here"
    )
    compare.add_argument(
        "--by-row",
        action="store_true",
        help="pair the rows by row number (two runs of one file); by default rows pair by "
        "species and RT unless A and B are the same table",
    )
    add_parameter_arguments(
        compare,
        file_help="parameters for tables",
        set_help="change one parameter of the analysis of a table (repeatable)",
    )


def _result(path: Path, config: Any) -> AnalysisResult:
    from .compare import load_result
    from .pipeline import analyze

    if not path.exists():
        raise FileNotFoundError(2, "no such file or folder", str(path))
    return load_result(path) if path.is_dir() else analyze(path, config)


def _same_table(a: Path, b: Path) -> bool:
    if not (a.is_file() and b.is_file()):
        return False
    return hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()


def run_compare(args: argparse.Namespace) -> int:
    """``ganglioside compare``: exit status 0."""
    from .compare import abundance_frame, compare_analyses, comparison_text
    from .report.safe import safe_frame

    a, b = Path(args.a), Path(args.b)
    same = args.by_row or _same_table(a, b)
    config = analysis_config(args)
    comparison = compare_analyses(_result(a, config), _result(b, config), same_file=same)
    print(f"A: {a}\nB: {b}")
    print(comparison_text(comparison))
    if args.output:
        out = Path(args.output)
        out.mkdir(parents=True, exist_ok=True)
        for name, frame in (
            ("changes.csv", comparison.changes),
            ("abundance.csv", abundance_frame(comparison)),
        ):
            (out / name).write_text(
                safe_frame(frame).to_csv(index=False, lineterminator="\n"), encoding="utf-8"
            )
        print(f"Written to {out}: changes.csv, abundance.csv")
    return 0

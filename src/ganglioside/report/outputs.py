"""The output registry of an analysis: every file ``ganglioside analyze`` can write, by short
name, with its media type, its writer (a file) and its renderer (bytes), and the loop that
writes them.  The command's ``--outputs``, the web platform's downloads and the tests all read
this one registry.  ("Export" means an instrument's file that is read — :mod:`ganglioside.inputs`;
what an analysis writes are its outputs.)

==============  =====================  ===================================================
name            file                   what
==============  =====================  ===================================================
``csv``         ``compounds.csv``      every row with its status, model and composition
``fragments``   ``fragments.csv``      one line per in-source fragment event
``json``        ``summary.json``       counts, abundances, models, warnings, parameters
``html``        ``report.html``        the report: plots and the rows to review (≤ 10 MB)
``xlsx``        ``workbook.xlsx``      everything in one Excel workbook
``parquet``     ``compounds.parquet``  the compounds table, typed, for notebooks
``pdf``         ``report.pdf``         a printable report: summary, vector charts, tables
==============  =====================  ===================================================

The writer modules are imported only when their file is written: a run without ``xlsx`` never
imports XlsxWriter, one without ``html`` never imports Plotly, one without ``pdf`` never
imports matplotlib.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from ..result import AnalysisResult

#: ``progress(step, fraction, message)``: step is the file name, fraction is of that file.
OutputProgress = Callable[[str, float, str], None]


CSV = "text/csv; charset=utf-8"
JSON = "application/json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Output:
    """One kind of output file: its name, file name, media type, what it holds, and the module
    holding its ``writer`` (writes a file) and ``renderer`` (returns its text or bytes)."""

    name: str
    filename: str
    media_type: str
    description: str
    module: str
    writer: str
    renderer: str

    def write(
        self,
        analysis: AnalysisResult,
        path: Path,
        progress: Callable[[float, str], None] | None = None,
        **options: Any,
    ) -> Path:
        """Write this output to ``path`` (its writer module is imported here).

        The file is written under a temporary name beside ``path`` and renamed when complete,
        so that a failed or interrupted run never leaves a half-written file under its name.
        """
        module = importlib.import_module(self.module, __package__)
        partial = path.with_name(f".{path.name}.partial")
        try:
            getattr(module, self.writer)(analysis, partial, progress=progress, **options)
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)
        return path

    def render(self, analysis: AnalysisResult) -> bytes:
        """This output's content as bytes (text encoded as UTF-8; the module imported here)."""
        module = importlib.import_module(self.module, __package__)
        value = getattr(module, self.renderer)(analysis)
        return value.encode("utf-8") if isinstance(value, str) else bytes(value)


#: Every output, in the order they are written.
OUTPUTS: dict[str, Output] = {
    o.name: o
    for o in (
        Output("csv", "compounds.csv", CSV, "every row: status, reasons, model, composition",
               ".tables", "write_compounds_csv", "compounds_csv"),
        Output("fragments", "fragments.csv", CSV, "one line per in-source fragment event",
               ".tables", "write_fragments_csv", "fragments_csv"),
        Output("json", "summary.json", JSON, "counts, abundances, models, warnings, parameters",
               ".summary_json", "write_summary_json", "summary_json"),
        Output("xlsx", "workbook.xlsx", XLSX, "every table in one Excel workbook",
               ".workbook", "write_workbook", "workbook_bytes"),
        Output("parquet", "compounds.parquet", "application/vnd.apache.parquet",
               "the compounds table, typed, for notebooks",
               ".parquet", "write_parquet", "parquet_bytes"),
        Output("html", "report.html", "text/html; charset=utf-8",
               "the report: plots and the rows to review", ".html", "write_report_html",
               "report_html"),
        Output("pdf", "report.pdf", "application/pdf",
               "a printable report: summary, vector charts, tables",
               ".pdf", "write_pdf", "pdf_bytes"),
    )
}  # fmt: skip

#: What ``ganglioside analyze`` writes when ``--outputs`` is not given: the light set, fast at
#: any size.  The workbook and Parquet are asked for by name (or with ``all``).
DEFAULT_OUTPUTS: tuple[str, ...] = ("csv", "fragments", "json", "html")


def parse_outputs(text: str) -> tuple[str, ...]:
    """Output names from ``--outputs`` text: comma separated, ``all`` for every one,
    ``default`` for :data:`DEFAULT_OUTPUTS`; in the order of :data:`OUTPUTS`.

    Raises
    ------
    ValueError
        For an empty list or an unknown name (the message lists the known ones).
    """
    asked = {part.strip().lower() for part in text.split(",") if part.strip()}
    if not asked:
        raise ValueError(f"--outputs needs at least one of: {', '.join(OUTPUTS)}")
    if "all" in asked:
        asked |= set(OUTPUTS)
        asked.discard("all")
    if "default" in asked:
        asked |= set(DEFAULT_OUTPUTS)
        asked.discard("default")
    unknown = sorted(asked - set(OUTPUTS))
    if unknown:
        raise ValueError(
            f"unknown output {', '.join(repr(u) for u in unknown)} in --outputs; "
            f"expected a comma-separated list of {', '.join(OUTPUTS)} (or all)"
        )
    return tuple(name for name in OUTPUTS if name in asked)


def _for_step(progress: OutputProgress | None, step: str) -> Callable[[float, str], None] | None:
    """A writer's ``progress(fraction, message)`` that reports under ``step``."""
    if progress is None:
        return None
    callback = progress

    def report(fraction: float, message: str) -> None:
        callback(step, fraction, message)

    return report


def write_outputs(
    analysis: AnalysisResult,
    outdir: str | Path,
    names: Sequence[str] = DEFAULT_OUTPUTS,
    progress: OutputProgress | None = None,
) -> dict[str, Path]:
    """Write the outputs ``names`` into ``outdir`` (created if needed), in the order of
    :data:`OUTPUTS`.

    The report is told which other files were written, so that its capped tables point to
    them.  ``progress(filename, fraction, message)`` is called at the start and end of each
    file and as the larger files are written.

    Returns
    -------
    dict[str, pathlib.Path]
        The written paths keyed by file name.
    """
    outputs = [o for o in OUTPUTS.values() if o.name in set(names)]
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    files = tuple(o.filename for o in outputs)
    paths = {}
    for output in outputs:
        step = output.filename
        if progress is not None:
            progress(step, 0.0, f"writing {step}")
        options = {"files": files} if output.name == "html" else {}
        paths[step] = output.write(analysis, outdir / step, _for_step(progress, step), **options)
        if progress is not None:
            progress(step, 1.0, f"wrote {step}")
    return paths

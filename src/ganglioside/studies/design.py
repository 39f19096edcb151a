"""The design table of a study: which samples, where their tables are, and their groups.

A design is a CSV, TSV or XLSX table (or a DataFrame) with one row per sample:

``sample``
    the sample's name (unique; it names the sample's output folder and its matrix column);
``file``
    its feature table, relative to the design file's folder (or absolute).  Several rows may
    name the same multi-sample export: each then takes the sample of that name from it.  The
    column may be left out when a multi-sample export is given separately;
``group``
    the condition the sample belongs to (two or more groups, two or more samples each);
``sample_type`` (optional)
    ``sample`` (the default), ``qc`` (a pooled quality-control sample), ``blank`` or another
    word (kept as written, lower-case); case-insensitive, and MS-DIAL's file types ``Sample``,
    ``QC``, ``Blank`` and ``Standard`` are taken as they are.  Only ``sample`` rows enter the
    group statistics, the PCA groups and the fold changes; QCs feed the drift correction and
    the QC filters, blanks the blank filter.  A QC or blank row may have group ``QC`` or none;
``batch``, ``injection_order``, ``replicate_of`` (optional)
    the preparation batch (a term of the statistical model when there are two or more), the
    position in the injection sequence (a number: the drift plot and the QC drift correction)
    and, for a technical replicate, the sample it repeats (same group; the replicates of one
    sample are averaged before the statistics);
``subject`` (optional)
    the subject, animal or donor measured more than once (paired or repeated measures: a
    blocking term of the model);
``amount`` (optional)
    the sample's known amount (tissue mg, µL plasma, µg protein; a number > 0), for the
    ``amount`` normalisation;
any other column
    kept with the sample and written to ``samples.csv``.

Every problem of the design is found before anything runs and reported together, each with its
file, row, column and value (:class:`DesignError`).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..inputs.files import read_cells

#: Columns a design must have (``file`` only when no separate export is given).
REQUIRED_COLUMNS = ("sample", "file", "group")
#: Optional columns with a meaning of their own.
KNOWN_COLUMNS = ("sample_type", "batch", "injection_order", "replicate_of", "subject", "amount")
#: Sample types written in other words (MS-DIAL's file types, pooled QCs) → the design's word.
SAMPLE_TYPE_WORDS = {
    "": "sample",
    "sample": "sample",
    "qc": "qc",
    "pooled qc": "qc",
    "pooled_qc": "qc",
    "blank": "blank",
    "standard": "standard",
}
#: At most this many problems are listed in one error message.
MAX_PROBLEMS_SHOWN = 20
#: A sample name becomes a folder name: these characters are kept, others refused.
_SAFE_SAMPLE = re.compile(r"[^/\\\x00-\x1f]+")


class DesignError(InputError):
    """The design table cannot be used; ``problems`` lists every problem found.

    Each problem is an :class:`~ganglioside.errors.InputError` naming its file, row (the 1-based
    data row of the design), column and value.
    """

    def __init__(self, problems: list[InputError], file: str | None = None) -> None:
        self.problems = list(problems)
        shown = "\n  ".join(str(p) for p in self.problems[:MAX_PROBLEMS_SHOWN])
        more = len(self.problems) - MAX_PROBLEMS_SHOWN
        tail = f"\n  … and {more} more" if more > 0 else ""
        count = len(self.problems)
        super().__init__(
            f"the study design has {count} problem{'s' if count != 1 else ''}:\n  {shown}{tail}",
            file=None,
        )
        self.file = file

    def to_dict(self) -> dict[str, object]:
        """The error and each problem as plain data."""
        return {**super().to_dict(), "problems": [p.to_dict() for p in self.problems]}


@dataclass(frozen=True)
class SampleSpec:
    """One sample of a design.

    ``source`` is the path of its feature table (or of the multi-sample export it comes from);
    ``export_sample`` is the sample's name inside that export (``None`` for a table of its own).
    """

    sample: str
    group: str
    source: Path | None
    row: int  # 1-based data row of the design
    batch: str = ""
    injection_order: float = math.nan
    replicate_of: str = ""
    export_sample: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    sample_type: str = "sample"
    subject: str = ""
    amount: float = math.nan

    @property
    def unit(self) -> str:
        """The biological sample this one measures: itself, or the sample it replicates."""
        return self.replicate_of or self.sample

    @property
    def is_biological(self) -> bool:
        """A study sample (not a QC, blank or standard): it enters the group statistics."""
        return self.sample_type == "sample"


@dataclass(frozen=True)
class Design:
    """A checked design: its samples in design order and the groups in order of appearance."""

    samples: tuple[SampleSpec, ...]
    groups: tuple[str, ...]
    source: str = "<DataFrame>"

    @property
    def names(self) -> tuple[str, ...]:
        """The sample names, in design order."""
        return tuple(s.sample for s in self.samples)

    @property
    def biological(self) -> tuple[SampleSpec, ...]:
        """The study samples (sample type ``sample``), in design order."""
        return tuple(s for s in self.samples if s.is_biological)

    def of_type(self, sample_type: str) -> tuple[SampleSpec, ...]:
        """The samples of one type (``qc``, ``blank`` …), in design order."""
        return tuple(s for s in self.samples if s.sample_type == sample_type)

    def frame(self) -> pd.DataFrame:
        """One row per sample: sample, group, batch, injection_order, replicate_of, file and
        the extra columns."""
        rows = []
        for s in self.samples:
            rows.append(
                {
                    "sample": s.sample,
                    "sample_type": s.sample_type,
                    "group": s.group,
                    "batch": s.batch,
                    "injection_order": s.injection_order,
                    "replicate_of": s.replicate_of,
                    "subject": s.subject,
                    "amount": s.amount,
                    "file": "" if s.source is None else str(s.source),
                    **s.extra,
                }
            )
        return pd.DataFrame(rows)


def read_design(
    source: str | Path | pd.DataFrame | Design,
    *,
    base_dir: str | Path | None = None,
    export: str | Path | None = None,
    export_samples: Iterable[str] | None = None,
    in_memory: Iterable[str] | None = None,
) -> Design:
    """Read and check a design table.

    Parameters
    ----------
    source:
        The design file (CSV, TSV or XLSX), a DataFrame, or a :class:`Design` (returned as is).
    base_dir:
        Folder the ``file`` paths are relative to; the design file's folder by default (the
        current folder for a DataFrame).
    export:
        A multi-sample export holding every sample whose row has no ``file``.
    export_samples:
        The sample names the export holds, when known: a design sample missing from it is an
        error before anything runs.
    in_memory:
        Samples whose tables are given in memory: their rows need no file.

    Raises
    ------
    DesignError
        Listing every problem: a missing column, an empty or repeated sample, a missing file,
        an unknown sample, a group with fewer than two samples, a bad injection order or
        replicate reference.
    """
    if isinstance(source, Design):
        return source
    raw = read_cells(source)
    label = raw.source
    if base_dir is None:
        base_dir = _default_base(source)
    cells = raw.cells.copy()
    cells.columns = [str(h).strip().lower() for h in raw.header]
    problems: list[InputError] = []
    memory = set(in_memory or ())
    _check_columns(cells, label, has_export=export is not None or bool(memory), problems=problems)
    if problems:
        raise DesignError(problems, file=label)
    reader = _RowReader(cells, label, Path(base_dir), export, memory)
    samples = _shared_files_as_exports([reader.sample(i) for i in range(len(cells))])
    problems.extend(reader.problems)
    problems.extend(_cross_checks(samples, label, export_samples))
    if not samples:
        problems.append(InputError("the design has no sample rows", file=label))
    if problems:
        raise DesignError(problems, file=label)
    groups = tuple(dict.fromkeys(s.group for s in samples if s.is_biological))
    return Design(samples=tuple(samples), groups=groups, source=label)


def _default_base(source: str | Path | pd.DataFrame) -> Path:
    """The folder a design's ``file`` paths are relative to by default: the design file's,
    or the current folder for a DataFrame."""
    return Path() if isinstance(source, pd.DataFrame) else Path(source).parent


def _check_columns(
    cells: pd.DataFrame, label: str, *, has_export: bool, problems: list[InputError]
) -> None:
    """Required columns present once each."""
    seen = list(cells.columns)
    for column in REQUIRED_COLUMNS:
        if column == "file" and has_export:
            continue
        if column not in seen:
            problems.append(
                InputError(
                    f"the design has no {column!r} column; expected the columns "
                    f"{', '.join(REQUIRED_COLUMNS)} (found: {', '.join(seen) or 'none'})",
                    file=label,
                    column=column,
                )
            )
    for column in (*REQUIRED_COLUMNS, *KNOWN_COLUMNS):
        if seen.count(column) > 1:
            problems.append(
                InputError("the column is given more than once", file=label, column=column)
            )


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


class _RowReader:
    """Reads the design's rows into :class:`SampleSpec`, collecting the problems."""

    def __init__(
        self,
        cells: pd.DataFrame,
        label: str,
        base_dir: Path,
        export: str | Path | None,
        in_memory: set[str],
    ) -> None:
        self.cells = cells
        self.label = label
        self.base_dir = base_dir
        self.export = Path(export) if export is not None else None
        self.in_memory = in_memory
        self.problems: list[InputError] = []
        self._extra = [c for c in cells.columns if c not in (*REQUIRED_COLUMNS, *KNOWN_COLUMNS)]

    def _cell(self, i: int, column: str) -> str:
        return _text(self.cells[column].iat[i]) if column in self.cells.columns else ""

    def _problem(self, message: str, row: int, column: str, value: object | None) -> None:
        self.problems.append(
            InputError(message, file=self.label, row=row, column=column, value=value)
        )

    def sample(self, i: int) -> SampleSpec:
        row = i + 1
        name = self._cell(i, "sample")
        if not name:
            self._problem("a sample name is needed", row, "sample", None)
        elif not _SAFE_SAMPLE.fullmatch(name) or name in {".", ".."}:
            self._problem(
                "a sample name cannot hold '/', '\\' or control characters, nor be '.' or '..'",
                row,
                "sample",
                name,
            )
        sample_type = self._sample_type(i, row)
        group = self._cell(i, "group")
        if not group and sample_type == "sample":
            self._problem("every sample needs a group", row, "group", None)
        return SampleSpec(
            sample=name,
            group=group,
            source=None if name in self.in_memory else self._source(i, row),
            row=row,
            batch=self._cell(i, "batch"),
            injection_order=self._order(i, row),
            replicate_of=self._cell(i, "replicate_of"),
            export_sample=name if self._is_export_row(i) else None,
            extra={c: self._cell(i, c) for c in self._extra},
            sample_type=sample_type,
            subject=self._cell(i, "subject"),
            amount=self._amount(i, row),
        )

    def _sample_type(self, i: int, row: int) -> str:
        written = self._cell(i, "sample_type")
        word = " ".join(written.lower().split())
        return SAMPLE_TYPE_WORDS.get(word, word)

    def _amount(self, i: int, row: int) -> float:
        written = self._cell(i, "amount")
        if not written:
            return math.nan
        try:
            value = float(written)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and value > 0):
            self._problem(
                "the amount must be a number > 0 (the sample's tissue mg, µL or µg)",
                row,
                "amount",
                written,
            )
        return value

    def _is_export_row(self, i: int) -> bool:
        return not self._cell(i, "file") and self.export is not None

    def _source(self, i: int, row: int) -> Path | None:
        written = self._cell(i, "file")
        if not written:
            if self.export is not None:
                return self.export
            self._problem("every sample needs a file (its feature table)", row, "file", None)
            return None
        path = Path(written)
        if not path.is_absolute():
            path = self.base_dir / path
        if not path.is_file():
            where = "is a folder" if path.is_dir() else "does not exist"
            self._problem(f"the table {path} {where}", row, "file", written)
        return path

    def _order(self, i: int, row: int) -> float:
        written = self._cell(i, "injection_order")
        if not written:
            return math.nan
        try:
            value = float(written)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            self._problem("the injection order must be a number", row, "injection_order", written)
        return value


def _shared_files_as_exports(samples: list[SampleSpec]) -> list[SampleSpec]:
    """Rows naming the same file take their sample from it: it is a multi-sample export."""
    counts = Counter(s.source for s in samples if s.source is not None)
    return [
        replace(s, export_sample=s.sample)
        if s.export_sample is None and s.source is not None and counts[s.source] > 1
        else s
        for s in samples
    ]


def _cross_checks(
    samples: list[SampleSpec], label: str, export_samples: Iterable[str] | None
) -> list[InputError]:
    """Problems between rows: repeated samples, replicates, groups too small, unknown samples."""
    problems: list[InputError] = []
    first_row: dict[str, int] = {}
    for s in samples:
        if s.sample and s.sample in first_row:
            problems.append(
                InputError(
                    f"the sample is listed twice (first on row {first_row[s.sample]}); one row "
                    "per sample (a repeated injection gets its own name and replicate_of)",
                    file=label,
                    row=s.row,
                    column="sample",
                    value=s.sample,
                )
            )
        first_row.setdefault(s.sample, s.row)
    problems.extend(_replicate_problems(samples, label))
    problems.extend(_group_problems(samples, label))
    if export_samples is not None:
        known = set(export_samples)
        for s in samples:
            if s.export_sample is not None and s.export_sample not in known:
                problems.append(
                    InputError(
                        f"the export has no sample of this name (it has: "
                        f"{', '.join(sorted(known)[:10]) or 'none'})",
                        file=label,
                        row=s.row,
                        column="sample",
                        value=s.sample,
                    )
                )
    return problems


def _replicate_problems(samples: list[SampleSpec], label: str) -> list[InputError]:
    by_name = {s.sample: s for s in samples}
    problems = []
    for s in samples:
        if not s.replicate_of:
            continue
        target = by_name.get(s.replicate_of)
        message = ""
        if target is None:
            message = "replicate_of names a sample that is not in the design"
        elif target.sample == s.sample:
            message = "a sample cannot be a replicate of itself"
        elif target.replicate_of:
            message = (
                f"replicate_of must name the original sample, not the replicate {target.sample!r}"
            )
        elif target.group != s.group:
            message = f"a replicate must be in the group of its sample ({target.group!r})"
        if message:
            problems.append(
                InputError(
                    message, file=label, row=s.row, column="replicate_of", value=s.replicate_of
                )
            )
    return problems


def _group_problems(samples: list[SampleSpec], label: str) -> list[InputError]:
    units: dict[str, set[str]] = {}
    rows: dict[str, int] = {}
    for s in samples:
        if s.group and s.is_biological:
            units.setdefault(s.group, set()).add(s.unit)
            rows.setdefault(s.group, s.row)
    problems = []
    for group, members in units.items():
        if len(members) < 2:
            problems.append(
                InputError(
                    f"the group has {len(members)} sample (replicates count once); each group "
                    "needs at least two samples to be compared",
                    file=label,
                    row=rows[group],
                    column="group",
                    value=group,
                )
            )
    if samples and len(units) < 2 and not problems:
        problems.append(
            InputError(
                f"the design has one group ({next(iter(units), '')!r}); a study compares two or "
                "more groups",
                file=label,
                column="group",
            )
        )
    return problems

"""An export read: its format, its samples, one canonical table per sample.

A reader of a tool's export (:mod:`.formats`) describes the file's features once
(:class:`Features`: names, classes, average RT, evidence columns) and each sample's quantities
(:class:`SampleColumns`: area, and the sample's own RT when the format has one).
:func:`build_export` picks the ganglioside rows (:func:`.classes.classify_annotations`; the
others are counted, never analysed) and builds, per sample, a table with the canonical columns
``Name``, ``RT`` and ``Volume`` plus the evidence columns and ``source_row`` (the row of the
feature in the file, as a spreadsheet numbers it).  A feature without an area in a sample
(empty, zero, or a missing-value word) is left out of that sample's table and counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError, listed
from .classes import (
    GANGLIOSIDE,
    NOT_ANNOTATED,
    OTHER_CLASS,
    annotation_flags,
    classify_annotations,
)
from .columns import ALIASES, normalise_header
from .decimals import MISSING_WORDS
from .files import RawTable

#: The format name of a table read as it is (columns Name, RT, Volume …).
PLAIN_TABLE = "table"
#: The evidence column holding MS-DIAL's mark of a weaker annotation (``w/o MS2``, ``no MS2``,
#: ``low score``; empty for a full annotation).
ANNOTATION_FLAG = "Annotation flag"
#: Names of other-class rows shown in the input summary.
EXAMPLES_SHOWN = 5


#: Metadata labels that give a sample's type (MS-DIAL ``File type``, a design's ``sample_type``).
SAMPLE_TYPE_LABELS = ("file type", "sample_type", "sample type", "type")
#: The words of each sample type (lower case); anything else is a sample.
SAMPLE_TYPES = {
    "qc": ("qc", "pooled qc", "quality control", "pool", "pooled"),
    "blank": ("blank", "solvent blank", "process blank", "extraction blank"),
    "standard": ("standard", "std", "standard mix"),
}


def sample_type(metadata: Mapping[str, str]) -> str:
    """``"sample"``, ``"qc"``, ``"blank"`` or ``"standard"``, from a sample's metadata (MS-DIAL's
    ``File type`` row); ``"sample"`` when the metadata do not say."""
    labels = {str(k).strip().lower(): str(v).strip().lower() for k, v in metadata.items()}
    value = next((labels[k] for k in SAMPLE_TYPE_LABELS if k in labels), "")
    return next((kind for kind, words in SAMPLE_TYPES.items() if value in words), "sample")


@dataclass(frozen=True)
class SampleTable:
    """One sample of an export, as the canonical table the analysis reads."""

    raw: RawTable  # headers Name, RT, Volume (and Log P, Anchor), evidence, source_row
    metadata: Mapping[str, str] = field(default_factory=dict)  # from the export's metadata rows
    columns: Mapping[str, str] = field(default_factory=dict)  # name/rt/volume → file column
    n_without_area: int = 0  # ganglioside features with no area in this sample


@dataclass(frozen=True)
class Export:
    """A file (or DataFrame) read: which format, which samples, one table per sample.

    Attributes
    ----------
    format:
        The format recognised, e.g. ``"MS-DIAL alignment"``; ``"table"`` for a table read as
        it is, ``"columns mapping"`` when the columns were named by the caller.
    source:
        The file name (or ``<DataFrame>``).
    samples:
        Sample name → its :class:`SampleTable`, in the file's order.  A plain table has one
        sample named ``""``.
    quality_columns:
        The export's own quality columns carried as evidence (never used as filters).
    n_features, n_not_annotated, n_other_classes:
        Features in the file, and those left out because they are not annotated or are not
        gangliosides.
    other_class_examples:
        A few names of the other-class features, for the summary.
    reading:
        How the file was read: separator, decimal mark, header line, metadata rows.
    """

    format: str
    source: str
    samples: Mapping[str, SampleTable]
    quality_columns: tuple[str, ...] = ()
    n_features: int = 0
    n_not_annotated: int = 0
    n_other_classes: int = 0
    other_class_examples: tuple[str, ...] = ()
    reading: Mapping[str, Any] = field(default_factory=dict)
    #: The other classes seen and how many features each, commonest first.
    other_class_counts: tuple[tuple[str, int], ...] = ()

    @property
    def sample_names(self) -> tuple[str, ...]:
        """The samples, in the file's order (empty for a plain table)."""
        return () if self.is_plain else tuple(self.samples)

    @property
    def analysed_samples(self) -> tuple[str, ...]:
        """The samples analysed by default: those whose metadata type them as samples (QCs,
        blanks and standards kept apart); every sample when none is typed a sample."""
        names = self.sample_names
        typed = tuple(n for n in names if sample_type(self.samples[n].metadata) == "sample")
        return typed or names

    @property
    def set_aside_samples(self) -> tuple[str, ...]:
        """The QCs, blanks and standards not analysed unless asked for."""
        kept = set(self.analysed_samples)
        return tuple(n for n in self.sample_names if n not in kept)

    @property
    def is_plain(self) -> bool:
        """Whether this is one table with no samples (a table read as it is, or mapped)."""
        return list(self.samples) == [""]

    def choose(self, sample: str | None = None) -> str:
        """The sample to analyse: ``sample``, or the only one.

        Raises
        ------
        InputError
            When ``sample`` is not in the file, or the file has several samples and none was
            chosen; the message lists the samples.
        """
        names = list(self.samples)
        if sample is None:
            if len(names) == 1:
                return names[0]
            if len(self.analysed_samples) == 1:  # one sample beside QCs and blanks
                return self.analysed_samples[0]
            raise InputError(
                f"the file is an export ({self.format}) with {len(names)} samples "
                f"({listed(names)}); choose one (sample=..., on the command line --sample "
                "NAME) or analyse them all with ganglioside.analyze_samples",
                file=self.source,
            )
        if sample not in self.samples:
            if self.is_plain:
                raise InputError(
                    f"sample {sample!r} was asked for, but the file is one table without samples",
                    file=self.source,
                )
            raise InputError(
                f"no sample {sample!r} in the file; its samples are: {listed(names)}",
                file=self.source,
            )
        return sample

    def table(self, sample: str | None = None) -> RawTable:
        """The canonical table of one sample (see :meth:`choose`).

        Raises
        ------
        InputError
            As :meth:`choose`; and, for an export, when it holds no ganglioside at all ("no
            ganglioside among N lipids (classes seen: …)") or the sample has no area for any.
        """
        chosen = self.choose(sample)
        raw = self.samples[chosen].raw
        if len(raw.cells) == 0 and self.n_features > 0 and self.format != PLAIN_TABLE:
            raise InputError(self.why_empty(chosen), file=self.source)
        return raw

    def why_empty(self, sample: str) -> str:
        """Why a sample's table has no row: no ganglioside in the file, or none with an area."""
        kept = self.n_features - self.n_other_classes - self.n_not_annotated
        if kept > 0:
            return (
                f"sample {sample!r} has no area (empty, 0 or a missing-value word) for any of "
                f"the {kept} gangliosides of the file"
            )
        seen = ", ".join(f"{name} {n:,}" for name, n in self.other_class_counts[:8])
        more = ", …" if len(self.other_class_counts) > 8 else ""
        unannotated = (
            f", and {self.n_not_annotated:,} features not annotated" if self.n_not_annotated else ""
        )
        return (
            f"no ganglioside among {self.n_other_classes:,} lipids (classes seen: "
            f"{seen or 'none'}{more}){unannotated}; no feature's class or name in this "
            f"{self.format} export is a ganglioside (GM3, GD1a …)"
        )

    def frame(self, sample: str | None = None) -> pd.DataFrame:
        """The canonical table of one sample as a DataFrame (cells as read)."""
        raw = self.table(sample)
        frame = raw.cells.copy()
        frame.columns = pd.Index(raw.header)
        return frame

    def only(self, sample: str) -> Export:
        """The same export narrowed to one sample."""
        chosen = self.choose(sample)
        return replace(self, samples={chosen: self.samples[chosen]})

    def input_summary(self, sample: str | None = None) -> dict[str, Any]:
        """The ``input`` block of an analysis summary for one sample (JSON-ready)."""
        chosen = self.choose(sample)
        table = self.samples[chosen]
        return {
            "format": self.format,
            "file": self.source,
            "sample": None if self.is_plain else chosen,
            "samples": list(self.sample_names),
            "sample_type": None if self.is_plain else sample_type(table.metadata),
            "sample_metadata": dict(table.metadata),
            "columns": dict(table.columns),
            "quality_columns": list(self.quality_columns),
            "n_features": self.n_features,
            "n_rows": len(table.raw.cells),
            "n_skipped_unannotated": self.n_not_annotated,
            "n_skipped_other_classes": self.n_other_classes,
            "other_class_examples": list(self.other_class_examples),
            "n_without_area": table.n_without_area,
            **dict(self.reading),
        }


def reading_of(raw: RawTable) -> dict[str, Any]:
    """How ``raw`` was read, for the input summary."""
    return {
        "separator": raw.separator,
        "decimal": raw.decimal,
        "header_line": raw.header_line,
        "rows_above_header": len(raw.above),
        "encoding": raw.encoding,
    }


def plain_export(raw: RawTable) -> Export:
    """A table analysed as it is: one sample named ``""``."""
    found: dict[str, str] = {}
    for header in raw.header:
        found.setdefault(ALIASES.get(normalise_header(header), ""), header)
    found.pop("", None)
    table = SampleTable(raw=raw, columns=found)
    n = len(raw.cells)
    return Export(PLAIN_TABLE, raw.source, {"": table}, n_features=n, reading=reading_of(raw))


# -- building the per-sample tables -------------------------------------------------------------


@dataclass(frozen=True)
class Features:
    """The features of an export (one per row of the file), before any is picked."""

    names: pd.Series
    rt: pd.Series  # the feature's (average) RT
    source_rows: np.ndarray  # row of each feature in the file (1-based, header included)
    classes: pd.Series | None = None
    evidence: Mapping[str, pd.Series] = field(default_factory=dict)  # carried to the compounds
    name_column: str = ""
    rt_column: str = ""


@dataclass(frozen=True)
class SampleColumns:
    """One sample's cells, aligned with the features."""

    name: str
    area: pd.Series
    area_column: str
    rt: pd.Series | None = None  # the sample's own RT, when the format has one
    rt_column: str | None = None
    evidence: Mapping[str, pd.Series] = field(default_factory=dict)
    metadata: Mapping[str, str] = field(default_factory=dict)


def missing_cells(cells: pd.Series) -> np.ndarray:
    """Per cell: empty or a missing-value word (``null``, ``NA``, ``#N/A`` …)."""
    text = cells.astype("string").fillna("").str.strip().str.lower()
    return np.asarray(text.isin(MISSING_WORDS).to_numpy(dtype=bool))


def blank_missing(cells: pd.Series) -> pd.Series:
    """The cells with missing-value words (``null``, ``#N/A`` …) made empty."""
    if pd.api.types.is_numeric_dtype(cells.dtype):
        return cells
    out = cells.astype(object).where(~missing_cells(cells), "")
    return out.fillna("")


def without_area(cells: pd.Series) -> np.ndarray:
    """Per cell: no area in this sample (missing, or a number equal to 0)."""
    numbers = pd.to_numeric(blank_missing(cells), errors="coerce").to_numpy(dtype=float)
    return missing_cells(cells) | (numbers == 0)


def build_export(
    fmt: str,
    raw: RawTable,
    features: Features,
    samples: list[SampleColumns],
    quality_columns: tuple[str, ...] = (),
) -> Export:
    """Pick the ganglioside features and build one canonical table per sample."""
    flags = annotation_flags(features.names)
    if flags is not None:  # MS-DIAL's "low score:", "no MS2:" …: read, and the mark kept
        features = replace(features, evidence={**features.evidence, ANNOTATION_FLAG: flags})
    kinds = classify_annotations(features.names, features.classes)
    keep = np.flatnonzero(kinds == GANGLIOSIDE)
    tables = {s.name: _sample_table(raw, features, s, keep) for s in samples}
    other = features.names[kinds == OTHER_CLASS].astype(str)
    return Export(
        format=fmt,
        source=raw.source,
        samples=tables,
        quality_columns=tuple(c for c in quality_columns if c),
        n_features=len(kinds),
        n_not_annotated=int((kinds == NOT_ANNOTATED).sum()),
        n_other_classes=len(other),
        other_class_examples=tuple(other.drop_duplicates().iloc[:EXAMPLES_SHOWN]),
        reading=reading_of(raw),
        other_class_counts=class_counts(features.names, features.classes, kinds),
    )


def class_counts(
    names: pd.Series, classes: pd.Series | None, kinds: np.ndarray
) -> tuple[tuple[str, int], ...]:
    """The other classes seen (the class column, else the start of the name) and how many
    features each, commonest first."""
    other = kinds == OTHER_CLASS
    if not other.any():
        return ()
    named = names[other].astype(str).str.extract(r"^\s*([A-Za-z][\w-]*)", expand=False)
    if classes is not None:
        given = classes[other].astype("string").fillna("").str.strip()
        given = given.where(~given.str.lower().isin(MISSING_WORDS), "")
        named = given.where(given != "", named)
    counts = named.fillna("?").replace("", "?").value_counts()
    return tuple((str(k), int(v)) for k, v in counts.items())


def _sample_table(
    read: RawTable, features: Features, sample: SampleColumns, keep: np.ndarray
) -> SampleTable:
    """The canonical table of one sample: the picked features with an area in it."""
    has_area = ~without_area(sample.area.iloc[keep])
    rows = keep[has_area]
    rt = sample.rt if sample.rt is not None else features.rt
    columns: dict[str, pd.Series] = {
        "Name": features.names,
        "RT": blank_missing(rt),
        "Volume": blank_missing(sample.area),
        **{_evidence_header(h): c for h, c in features.evidence.items()},
        **{_evidence_header(h): c for h, c in sample.evidence.items()},
    }
    frame = pd.DataFrame({h: np.asarray(c.iloc[rows].to_numpy()) for h, c in columns.items()})
    frame["source_row"] = features.source_rows[rows]
    header = list(frame.columns)
    frame.columns = pd.Index(range(len(header)))
    label = read.source if not sample.name else f"{read.source} [{sample.name}]"
    return SampleTable(
        raw=RawTable(frame, header, label, warnings=read.warnings),
        metadata=dict(sample.metadata),
        columns={
            "name": features.name_column,
            "rt": sample.rt_column or features.rt_column,
            "volume": sample.area_column,
        },
        n_without_area=int((~has_area).sum()),
    )


def _evidence_header(header: str) -> str:
    """An evidence column's name, kept unless the column matching would read it as canonical."""
    return f"{header} (input)" if normalise_header(header) in ALIASES else header

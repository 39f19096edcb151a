"""MS-DIAL exports: the alignment result (all samples) and the peak list of one sample.

Alignment result (``Export → Alignment result``, Area/Height/Normalized ``.txt``): tab
separated; the header row starts with ``Alignment ID`` and is followed by the feature columns
(``Average Rt(min)``, ``Average Mz``, ``Metabolite name``, ``Adduct type``, ``Fill %``,
``MS/MS assigned``, ``Ontology``, ``INCHIKEY``, ``MS/MS matched``, ``Total score`` …, up to
``MS/MS spectrum``), then one column per sample, then per class an average and a standard
deviation column.  Above the header, metadata rows (``Class``, ``File type``, ``Injection
order``, ``Batch ID``, and more in newer versions) give each sample's value; their label sits
in the column just left of the first sample, and the class statistics columns read ``NA`` /
``Average`` / ``Stdev`` there.  Without those rows (a DataFrame read from the header on),
every column right of the feature columns is taken as a sample.  The samples end at a
``Lipid IS`` column (the internal standard, followed by the normalised block repeating the
sample names).  ``File type`` says each column's type: ``Sample``, ``QC``, ``Blank`` or
``Standard``; QCs and blanks are kept apart (:attr:`~.export.Export.analysed_samples`).

Peak list (``Export → Peak list``, one file per sample): ``PeakID`` (``Peak ID``), ``Title``
or ``Name``, ``RT left(min)``, ``RT (min)``, ``Precursor m/z``, ``Height``, ``Area``,
``Adduct``, ``Ontology``, ``MS/MS matched``, ``Total score`` …; the sample is named after the
file.  ``Unknown`` and ``w/o MS2:`` names are not annotations (:mod:`.classes`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .export import Export, Features, SampleColumns, build_export
from .files import RawTable
from .headers import column, has_all, header_of, position, present, required, source_rows

#: Feature columns of an alignment result (any version) that are not samples.
ALIGNMENT_COLUMNS = frozenset(
    h.lower()
    for h in (
        "Alignment ID", "Average Rt(min)", "Average Mz", "Average mobility", "Average CCS",
        "Metabolite name", "Adduct type", "Post curation result", "Fill %", "MS/MS assigned",
        "Reference RT", "Reference CCS", "Reference m/z", "Formula", "Ontology", "INCHIKEY",
        "SMILES", "Annotation tag (VS1.0)", "RT matched", "CCS matched", "m/z matched",
        "MS/MS matched", "Comment", "Manually modified for quantification",
        "Manually modified for annotation", "Isotope tracking parent ID",
        "Isotope tracking weight number", "RT similarity", "CCS similarity", "m/z similarity",
        "Dot product", "Simple dot product", "Weighted dot product", "Reverse dot product",
        "Fragment presence %", "Matched peaks count", "Matched peaks percentage",
        "Total score", "S/N average", "Spectrum reference file name", "MS1 isotopic spectrum",
        "MS/MS spectrum",
    )
)  # fmt: skip
#: Quality columns carried as evidence (never used as filters).
QUALITY = (
    "MS/MS assigned", "MS/MS matched", "Total score", "Fill %", "RT matched", "m/z matched",
    "Dot product", "Weighted dot product", "Reverse dot product", "S/N average", "S/N",
)  # fmt: skip
#: Columns that say what a feature is, carried as evidence too.
IDENTITY = (
    "Alignment ID", "Average Mz", "Adduct type", "Ontology", "Formula", "INCHIKEY",
    "MS/MS spectrum",
)  # fmt: skip
PEAK_IDENTITY = (
    "PeakID", "Peak ID", "Precursor m/z", "Adduct", "Ontology", "Formula", "MSMS spectrum",
)  # fmt: skip
#: Words of the metadata rows that mark a class statistics column, not a sample.
STATISTICS = frozenset({"average", "stdev", "mean", "sd", "na"})


@dataclass(frozen=True)
class MsdialAlignment:
    """MS-DIAL alignment result: one column per sample, metadata rows above the header."""

    name: str = "MS-DIAL alignment"

    def header_row(self, top: list[list[str]]) -> int | None:
        return next(
            (i for i, row in enumerate(top) if row and row[0] == "Alignment ID" and i), None
        )

    def recognises(self, raw: RawTable) -> bool:
        return has_all(raw, "Alignment ID", "Average Rt(min)", "Metabolite name")

    def read(self, raw: RawTable) -> Export:
        features = Features(
            names=required(raw, "Metabolite name"),
            rt=required(raw, "Average Rt(min)"),
            source_rows=source_rows(raw),
            classes=column(raw, "Ontology"),
            evidence=present(raw, IDENTITY + QUALITY),
            name_column="Metabolite name",
            rt_column="Average Rt(min)",
        )
        samples = [
            SampleColumns(name, raw.cells.iloc[:, pos], raw.header[pos], metadata=meta)
            for name, pos, meta in _sample_columns(raw)
        ]
        quality = tuple(header_of(raw, q) for q in QUALITY)
        return build_export(self.name, raw, features, samples, quality)


#: Headers where the samples end: MS-DIAL writes the internal standard's column and then the
#: normalised values (the same sample names again) right of the raw samples.
SAMPLES_END = frozenset({"lipid is", "internal standard", "is"})


def _sample_columns(raw: RawTable) -> list[tuple[str, int, dict[str, str]]]:
    """(sample name, position, metadata) of each sample column, in the file's order.

    The samples are the columns right of the metadata rows' labels up to the first
    ``Lipid IS`` column or the first repeated sample name (the normalised block); a column the
    metadata rows mark ``Average``/``Stdev``/``NA`` is a class statistic, not a sample.
    """
    first = _first_sample(raw)
    label_at = first - 1
    labels = [row[label_at] if len(row) > label_at else "" for row in raw.above]
    found: list[tuple[str, int, dict[str, str]]] = []
    seen: set[str] = set()
    for pos in range(first, len(raw.header)):
        header = raw.header[pos].strip()
        if header.lower() in SAMPLES_END or header in seen:
            break
        values = _metadata_at(raw, pos)
        if _is_statistic(values) or not header:
            continue
        seen.add(header)
        meta = {lab: val for lab, val in zip(labels, values, strict=True) if lab}
        found.append((header, pos, meta))
    return found


def _metadata_at(raw: RawTable, pos: int) -> list[str]:
    """The metadata rows' cells of column ``pos`` (empty where a row is shorter)."""
    return [row[pos] if len(row) > pos else "" for row in raw.above]


def _is_statistic(values: list[str]) -> bool:
    """Whether the metadata rows mark a column as a class statistic (Average, Stdev, NA)."""
    return any(v.strip().lower() in STATISTICS for v in values)


def _first_sample(raw: RawTable) -> int:
    """Position of the first sample column: right of the metadata rows' labels, else right of
    the last feature column."""
    for row in raw.above:
        filled = [i for i, cell in enumerate(row) if cell.strip()]
        if filled and filled[0] > 0:
            return filled[0] + 1
    known = [i for i, h in enumerate(raw.header) if h.strip().lower() in ALIGNMENT_COLUMNS]
    return max(known) + 1


@dataclass(frozen=True)
class MsdialPeakList:
    """MS-DIAL peak list of one sample."""

    name: str = "MS-DIAL peak list"

    def header_row(self, top: list[list[str]]) -> int | None:
        return None

    def recognises(self, raw: RawTable) -> bool:
        has_id = position(raw, "PeakID", "Peak ID") is not None
        has_name = position(raw, "Title", "Name", "Metabolite name") is not None
        return has_id and has_name and has_all(raw, "RT (min)", "Precursor m/z", "Area")

    def read(self, raw: RawTable) -> Export:
        name_header = header_of(raw, "Metabolite name", "Title", "Name")
        features = Features(
            names=required(raw, name_header),
            rt=required(raw, "RT (min)"),
            source_rows=source_rows(raw),
            classes=column(raw, "Ontology"),
            evidence=present(raw, (*PEAK_IDENTITY, "Height", *QUALITY)),
            name_column=name_header,
            rt_column=header_of(raw, "RT (min)"),
        )
        area = required(raw, "Area")
        sample = SampleColumns(_sample_name(raw.source), area, header_of(raw, "Area"))
        quality = tuple(header_of(raw, q) for q in QUALITY)
        return build_export(self.name, raw, features, [sample], quality)


def _sample_name(source: str) -> str:
    """A peak list's sample: its file name without the extension."""
    return Path(source).stem if not source.startswith("<") else "sample"


MSDIAL_ALIGNMENT = MsdialAlignment()
MSDIAL_PEAK_LIST = MsdialPeakList()

"""A study straight from an export: the design built from the export's metadata rows.

MS-DIAL writes, above an alignment's header, a row per attribute of each sample: ``Class``
(the group), ``File type`` (``Sample``, ``QC``, ``Blank``, ``Standard``), ``Injection order``
and ``Batch ID``.  :func:`design_from_export` turns them into a design table (``sample``,
``file``, ``group``, ``sample_type``, ``injection_order``, ``batch``) that the command writes
as ``design.csv`` beside the results, so that it can be edited and run again.  QCs, blanks and
standards keep their ``sample_type``: the study compares the samples only and uses the others
as its design says (:mod:`.design`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..inputs import Export
from ..inputs.columns import map_columns
from ..inputs.export import sample_type

#: Metadata labels (lower case) giving each design column.
LABELS = {
    "group": ("class", "group"),
    "injection_order": ("injection order", "injection_order", "analytical order", "order"),
    "batch": ("batch id", "batch", "batch_id"),
}
#: The file a design built from an export is written to (beside the results).
DESIGN_NAME = "design.csv"
#: The columns of a design built from an export, in order.
COLUMNS = ("sample", "file", "group", "sample_type", "injection_order", "batch")


def _value(metadata: Mapping[str, str], column: str) -> str:
    labels = {str(k).strip().lower(): str(v).strip() for k, v in metadata.items()}
    found = next((labels[k] for k in LABELS[column] if k in labels), "")
    return "" if found.lower() in {"na", "null", "n/a"} else found


def design_from_export(export: Export, export_path: Path, design_dir: Path) -> pd.DataFrame:
    """One row per sample of ``export``: its group, type, injection order and batch from the
    metadata rows, and ``file`` the export's path relative to ``design_dir`` (where
    ``design.csv`` is written, so that the design reads back from there)."""
    try:
        file = os.path.relpath(export_path.resolve(), design_dir.resolve())
    except ValueError:  # another drive (Windows)
        file = str(export_path.resolve())
    rows = []
    for name in export.sample_names:
        metadata = export.samples[name].metadata
        rows.append(
            {
                "sample": name,
                "file": Path(file).as_posix(),
                "group": _value(metadata, "group"),
                "sample_type": sample_type(metadata),
                "injection_order": _value(metadata, "injection_order"),
                "batch": _value(metadata, "batch"),
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def not_a_study(export: Export) -> str | None:
    """Why a study cannot be built from ``export`` (one sample only, or no ganglioside at
    all, said once rather than once per sample; a plain table of features rather than a
    design), or None."""
    if export.is_plain:
        return _feature_table(export)
    if len(export.sample_names) < 2:
        return (
            f"a {export.format} export of one sample ({', '.join(export.sample_names)}); a "
            "study compares several samples: give a design table (columns sample, file, group) "
            "naming each sample's file, or one export of all the samples"
        )
    kept = export.n_features - export.n_other_classes - export.n_not_annotated
    if export.n_features > 0 and kept == 0:
        return export.why_empty(export.sample_names[0])
    return None


def _feature_table(export: Export) -> str | None:
    """Why a plain table given as a design is a sample's feature table instead (its columns
    name, RT and volume, no ``sample`` or ``file``), or None (read it as a design)."""
    raw = export.samples[""].raw
    header = {str(h).strip().lower() for h in raw.header}
    if header & {"sample", "file"}:
        return None
    try:
        map_columns(raw)
    except InputError:
        return None
    return (
        "a feature table of one sample (columns name, RT, volume), not a study design; a study "
        "needs a design table (columns sample, file, group) naming each sample's table, or "
        "one export of all the samples; analyse this table with: ganglioside analyze"
    )


def study_rows(design: pd.DataFrame, design_dir: Path) -> pd.DataFrame:
    """The design with each ``file`` made absolute (read from wherever the command runs),
    named ``design.csv`` in messages (the file written beside the results)."""
    rows = design.assign(file=[str((design_dir / f).resolve()) for f in design["file"]])
    rows.attrs["source"] = DESIGN_NAME
    return rows


def missing_groups(design: pd.DataFrame) -> list[str]:
    """The samples (typed ``sample``) the metadata give no group."""
    kept = design[design["sample_type"] == "sample"]
    return kept.loc[kept["group"] == "", "sample"].tolist()

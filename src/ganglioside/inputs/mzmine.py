"""MZmine feature lists exported as CSV: MZmine 3 (modular export) and MZmine 2.

MZmine 3: ``id``, ``rt``, ``mz``, ``area``, ``height``, ``charge`` …, annotation columns named
``<type>:<field>`` (``compound_db_identity:compound_db_identity``,
``compound_db_identity:compound_name``, ``spectral_db_matches:compound_name``,
``lipid_annotations:lipid_annotations``, ``preferred_annotation:compound_name`` …), and per data
file ``datafile:<file>:area``, ``datafile:<file>:height``, ``datafile:<file>:rt`` ….  The name
of a feature is the first filled of the annotation columns in :data:`MZMINE3_NAMES` (which one
is recorded in ``annotation_source``); the sample is the data file without its extension, with
its own RT.

MZmine 2: ``row ID``, ``row m/z``, ``row retention time``, ``row identity (main ID)``, and per
data file ``<file> Peak area``, ``<file> Peak RT``, ``<file> Peak height`` ….
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from .export import Export, Features, SampleColumns, build_export, missing_cells
from .files import RawTable
from .headers import has_all, header_of, position, present, required, source_rows

#: Annotation columns giving a feature's name, in order of preference.
MZMINE3_NAMES = (
    "preferred_annotation:compound_name",
    "lipid_annotations:lipid_annotations",
    "compound_db_identity:compound_name",
    "compound_db_identity:compound_db_identity",
    "spectral_db_matches:compound_name",
    "spectral_db_matches:spectral_db_matches",
)
MZMINE3_QUALITY = (
    "compound_db_identity:compound_annotation_score",
    "compound_db_identity:mz_diff_ppm",
    "spectral_db_matches:similarity_score",
    "spectral_db_matches:cosine_score",
    "lipid_annotations:mz_diff_ppm",
    "lipid_annotations:explained_intensity_percent",
    "fragment_scans",
)
MZMINE3_IDENTITY = (
    "id",
    "mz",
    "charge",
    "ion_identities:ion_identities",
    "compound_db_identity:adduct",
    "spectral_db_matches:ion_adduct",
    "lipid_annotations:ion_adduct",
)
_DATAFILE = re.compile(r"datafile:(?P<file>.+):(?P<field>[a-z_]+)")
_RAW_SUFFIX = re.compile(r"\.(?:mzml|mzxml|mzdata|raw|d|wiff2?|cdf|imzml|mgf)$", re.IGNORECASE)


def _datafiles(raw: RawTable, suffix: re.Pattern[str]) -> dict[str, dict[str, int]]:
    """Data file → {field → position}, in the file's order."""
    found: dict[str, dict[str, int]] = {}
    for pos, header in enumerate(raw.header):
        match = suffix.fullmatch(header.strip())
        if match:
            found.setdefault(match["file"], {}).setdefault(match["field"].lower(), pos)
    return found


def _samples(raw: RawTable, files: dict[str, dict[str, int]], area: str, rt: str) -> list:
    samples, seen = [], set()
    for file, fields in files.items():
        if area not in fields:
            continue
        name = _RAW_SUFFIX.sub("", file.strip()) or file
        name = name if name not in seen else file
        seen.add(name)
        rt_at = fields.get(rt)
        samples.append(
            SampleColumns(
                name=name,
                area=raw.cells.iloc[:, fields[area]],
                area_column=raw.header[fields[area]],
                rt=None if rt_at is None else raw.cells.iloc[:, rt_at],
                rt_column=None if rt_at is None else raw.header[rt_at],
                metadata={"file": file},
            )
        )
    return samples


def _first_filled(raw: RawTable, headers: tuple[str, ...]) -> tuple[pd.Series, pd.Series]:
    """Per row: the first filled cell among ``headers``, and the header it came from."""
    names = pd.Series([""] * len(raw.cells), dtype=object)
    source = pd.Series([""] * len(raw.cells), dtype=object)
    for header in headers:
        pos = position(raw, header)
        if pos is None:
            continue
        cells = raw.cells.iloc[:, pos]
        take = (names == "").to_numpy() & ~missing_cells(cells)
        names[take] = cells[take].astype(str).str.strip().to_numpy()
        source[take] = raw.header[pos]
    return names, source


@dataclass(frozen=True)
class Mzmine3:
    """MZmine 3 feature list (CSV, modular export)."""

    name: str = "MZmine 3"

    def header_row(self, top: list[list[str]]) -> int | None:
        return None

    def recognises(self, raw: RawTable) -> bool:
        files = _datafiles(raw, _DATAFILE)
        return has_all(raw, "id", "rt", "mz") and any(
            "area" in f or "height" in f for f in files.values()
        )

    def read(self, raw: RawTable) -> Export:
        names, source = _first_filled(raw, MZMINE3_NAMES)
        features = Features(
            names=names,
            rt=required(raw, "rt"),
            source_rows=source_rows(raw),
            evidence={
                "annotation_source": source,
                **present(raw, MZMINE3_IDENTITY + MZMINE3_QUALITY),
            },
            name_column=" > ".join(h for h in MZMINE3_NAMES if position(raw, h) is not None),
            rt_column="rt",
        )
        files = _datafiles(raw, _DATAFILE)
        area = "area" if any("area" in f for f in files.values()) else "height"
        samples = _samples(raw, files, area, "rt")
        quality = tuple(header_of(raw, q) for q in MZMINE3_QUALITY)
        return build_export(self.name, raw, features, samples, quality)


_PEAK = re.compile(r"(?P<file>.+?)\s+Peak (?P<field>area|height|RT|status|m/z)", re.IGNORECASE)


@dataclass(frozen=True)
class Mzmine2:
    """MZmine 2 peak list (CSV export)."""

    name: str = "MZmine 2"

    def header_row(self, top: list[list[str]]) -> int | None:
        return None

    def recognises(self, raw: RawTable) -> bool:
        files = _datafiles(raw, _PEAK)
        return has_all(raw, "row m/z", "row retention time") and any(
            "area" in f or "height" in f for f in files.values()
        )

    def read(self, raw: RawTable) -> Export:
        name_header = header_of(
            raw, "row identity (main ID)", "row identity", "row identity (all IDs)"
        )
        names = required(raw, name_header) if name_header else pd.Series([""] * len(raw.cells))
        features = Features(
            names=names,
            rt=required(raw, "row retention time"),
            source_rows=source_rows(raw),
            evidence=present(
                raw, ("row ID", "row m/z", "row comment", "row number of detected peaks")
            ),
            name_column=name_header,
            rt_column=header_of(raw, "row retention time"),
        )
        files = _datafiles(raw, _PEAK)
        area = "area" if any("area" in f for f in files.values()) else "height"
        return build_export(self.name, raw, features, _samples(raw, files, area, "rt"), ())


MZMINE3 = Mzmine3()
MZMINE2 = Mzmine2()

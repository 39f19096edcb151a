"""LipidSearch 4 and 5 alignment results.

LipidSearch 5 writes Windows-1252 text (read with a warning, :mod:`.files`), names its
LipidMolecule export's class ``ClassKey`` and its RT ``BaseRt`` (``TopRT``, ``RetTime`` in
some layouts), and its merged areas ``MeanArea[s1]``; a per-sample export has plain ``Area``
(and ``Grade``) columns and is one sample named after the file.

One row per lipid ion: ``Rej`` (``Rej.``; 1 = rejected by LipidSearch), ``LipidIon``
(``GM3(d18:1/16:0)-H``), ``LipidMolec`` (``GM3(d18:1/16:0)``), ``Class`` (``GM3``, ``PC``,
``TG`` …), ``FattyAcid``, ``CalcMz``, ``BaseRt``, ``MainIon``, ``TotalGrade``, then per sample
``Grade[s1]``, ``Area[s1]`` (LipidSearch 5 also ``MainArea[s1]``, ``MainGrade[s1]``, or
``MeanArea[s1]`` in merged results) and sometimes ``Rt[s1]``.  A few lines of preamble (job
name, sample list …) may come before the header; a preamble line that starts with a sample
id (``s1``) names that sample's file.  The name is ``LipidMolec`` (else ``LipidIon``), the
class ``Class``; ``Rej``, ``TotalGrade`` and the sample's ``Grade`` are carried as evidence.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .export import Export, Features, SampleColumns, build_export
from .files import RawTable
from .headers import column, header_of, position, present, required, source_rows

#: ``Area[s1]``-like headers: a quantity and a sample id.
_PER_SAMPLE = re.compile(r"(?P<kind>[A-Za-z]+)\[(?P<sample>[^\]]+)\]")
#: Per-sample quantities that give the volume, in order of preference.
AREA_KINDS = ("area", "mainarea", "meanarea", "height", "mainheight")
#: Per-sample columns carried as evidence (``Grade[s1]`` → ``Grade`` in that sample's table).
EVIDENCE_KINDS = ("grade", "maingrade", "apvalue")
RT_KINDS = ("rt", "mainrt", "basert", "toprt", "rettime")
IDENTITY = (
    "LipidIon", "Class", "ClassKey", "FattyAcid", "FAKey", "CalcMz", "CalcMass", "ObsMz",
    "IonFormula", "MainIon", "IonKey",
)  # fmt: skip
QUALITY = ("Rej", "Rej.", "TotalGrade", "TotalScore", "TotalSmpIDRate(%)", "Grade", "Score")
#: The name columns (the molecule before the ion), the class and the feature's RT, as the
#: LipidMolecule and LipidIon exports of LipidSearch 4 and 5 spell them.
NAMES = ("LipidMolec", "LipidGroup", "LipidIon")
CLASSES = ("Class", "ClassKey")
FEATURE_RT = ("BaseRt", "TopRT", "RetTime", "Rt", "RT", "MainRt")
#: The area of a per-sample export (one sample, no ``[s1]`` columns).
SINGLE_AREA = ("Area", "MainArea", "MeanArea", "Height")


def _per_sample(raw: RawTable) -> dict[str, dict[str, int]]:
    """Sample id → {kind (lower case) → position}, in the file's order."""
    found: dict[str, dict[str, int]] = {}
    for pos, header in enumerate(raw.header):
        match = _PER_SAMPLE.fullmatch(header.strip())
        if match:
            kinds = found.setdefault(match["sample"], {})
            kinds.setdefault(match["kind"].lower(), pos)
    return found


@dataclass(frozen=True)
class LipidSearchAlignment:
    """LipidSearch alignment result (versions 4 and 5)."""

    name: str = "LipidSearch"

    def header_row(self, top: list[list[str]]) -> int | None:
        for i, row in enumerate(top):
            cells = {c.lower() for c in row}
            if {"lipidion", "lipidmolec"} & cells and {"class", "classkey"} & cells:
                return i or None
        return None

    def recognises(self, raw: RawTable) -> bool:
        if position(raw, "LipidMolec", "LipidIon") is None or position(raw, *CLASSES) is None:
            return False
        per_sample = any(
            kind in AREA_KINDS for kinds in _per_sample(raw).values() for kind in kinds
        )
        return per_sample or position(raw, *SINGLE_AREA) is not None

    def read(self, raw: RawTable) -> Export:
        name_header = header_of(raw, *NAMES)
        rt_header = header_of(raw, *FEATURE_RT)
        features = Features(
            names=required(raw, name_header),
            rt=required(raw, rt_header) if rt_header else _empty(raw),
            source_rows=source_rows(raw),
            classes=column(raw, *CLASSES),
            evidence=present(raw, (*QUALITY, *IDENTITY)),
            name_column=name_header,
            rt_column=rt_header,
        )
        files = _preamble_files(raw, set(_per_sample(raw)))
        samples = [
            _sample(raw, sample, kinds, files.get(sample))
            for sample, kinds in _per_sample(raw).items()
            if any(kind in kinds for kind in AREA_KINDS)
        ] or [_single_sample(raw)]
        quality = (*(header_of(raw, q) for q in QUALITY), *_grade_headers(samples))
        return build_export(self.name, raw, features, samples, quality)


def _sample(raw: RawTable, sample: str, kinds: dict[str, int], file: str | None) -> SampleColumns:
    area_at = next(kinds[k] for k in AREA_KINDS if k in kinds)
    rt_at = next((kinds[k] for k in RT_KINDS if k in kinds), None)
    evidence = {
        raw.header[kinds[k]].split("[", 1)[0].strip(): raw.cells.iloc[:, kinds[k]]
        for k in EVIDENCE_KINDS
        if k in kinds
    }
    return SampleColumns(
        name=sample,
        area=raw.cells.iloc[:, area_at],
        area_column=raw.header[area_at],
        rt=None if rt_at is None else raw.cells.iloc[:, rt_at],
        rt_column=None if rt_at is None else raw.header[rt_at],
        evidence=evidence,
        metadata={"file": file} if file else {},
    )


def _single_sample(raw: RawTable) -> SampleColumns:
    """The one sample of a per-sample export (``Area`` without ``[s1]``), named after the file."""
    area = header_of(raw, *SINGLE_AREA)
    name = Path(raw.source).stem if not raw.source.startswith("<") else "sample"
    return SampleColumns(name=name, area=required(raw, area), area_column=area)


def _grade_headers(samples: list[SampleColumns]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(h for s in samples for h in s.evidence))


def _preamble_files(raw: RawTable, sample_ids: set[str]) -> dict[str, str]:
    """Sample id → file, from preamble lines where an id (``s1``, ``[s1]``, ``s1:``) is
    followed by a file name."""
    files = {}
    for row in raw.above:
        cells = [c.strip() for c in row if c.strip()]
        if len(cells) < 2:
            cells = [part for part in re.split(r"[\s=]+|:\s+", " ".join(cells)) if part]
        for here, after in itertools.pairwise(cells):
            sample = here.strip("[]#:")
            if sample in sample_ids and sample not in files:
                files[sample] = after
    return files


def _empty(raw: RawTable) -> pd.Series:
    return pd.Series([""] * len(raw.cells), dtype=object)


LIPIDSEARCH = LipidSearchAlignment()

"""LipidSearch 4 and 5 alignment results.

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
RT_KINDS = ("rt", "mainrt", "basert", "toprt")
IDENTITY = ("LipidIon", "Class", "FattyAcid", "CalcMz", "ObsMz", "IonFormula", "MainIon")
QUALITY = ("Rej", "Rej.", "TotalGrade", "TotalScore")


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
            if {"lipidion", "lipidmolec"} & cells and "class" in cells:
                return i or None
        return None

    def recognises(self, raw: RawTable) -> bool:
        if position(raw, "LipidMolec", "LipidIon") is None or position(raw, "Class") is None:
            return False
        return any(kind in AREA_KINDS for kinds in _per_sample(raw).values() for kind in kinds)

    def read(self, raw: RawTable) -> Export:
        name_header = header_of(raw, "LipidMolec", "LipidGroup", "LipidIon")
        rt_header = header_of(raw, "BaseRt", "Rt", "RT", "TopRT")
        features = Features(
            names=required(raw, name_header),
            rt=required(raw, rt_header) if rt_header else _empty(raw),
            source_rows=source_rows(raw),
            classes=column(raw, "Class"),
            evidence=present(raw, (*QUALITY, *IDENTITY)),
            name_column=name_header,
            rt_column=rt_header,
        )
        files = _preamble_files(raw, set(_per_sample(raw)))
        samples = [
            _sample(raw, sample, kinds, files.get(sample))
            for sample, kinds in _per_sample(raw).items()
            if any(kind in kinds for kind in AREA_KINDS)
        ]
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

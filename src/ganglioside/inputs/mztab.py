"""mzTab-M 2.0 (metabolomics) files as input: ours, MS-DIAL's, and any other writer's.

An mzTab-M file is tab-separated lines, each starting with its section: ``MTD`` metadata
(``assay[1]	WT_1``, ``study_variable[1]-assay_refs	assay[1]|assay[2]``, ``software[1]`` …),
``SMH``/``SML`` the small-molecule summary (``chemical_name``, ``SMF_ID_REFS``,
``abundance_assay[n]``), ``SFH``/``SMF`` the features (``retention_time_in_seconds``,
``exp_mass_to_charge``, ``adduct_ion``, ``abundance_assay[n]``) and ``SEH``/``SME`` the
evidence (``chemical_name``); ``COM`` lines are comments.

One feature is read per SMF row: its name is the ``chemical_name`` of the SML row that refers
to it (``SMF_ID_REFS``), else of its first SME (``SME_ID_REFS``); its RT the SMF's, in
minutes; each assay is a sample (named by its ``assay[n]`` line) whose area is the SMF's
``abundance_assay[n]`` (the SML's when the SMF gives none).  A file without an SMF section
is read from the SML rows, with the RT of an ``opt_…retention_time…`` column when there is
one.  MS-DIAL writes minutes into ``retention_time_in_seconds``: when the software is
MS-DIAL, or no RT exceeds 60, the values are read as minutes, with a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import InputError
from .export import Export, Features, SampleColumns, build_export
from .files import RawTable
from .mztab_assays import assay_groups, assay_names, assay_types

#: The sections of a file, by their line prefix.
SECTIONS = ("MTD", "SMH", "SML", "SFH", "SMF", "SEH", "SME", "COM")
#: Evidence columns carried from the SMF (or SML) rows to the compounds.
EVIDENCE = ("exp_mass_to_charge", "adduct_ion", "charge", "reliability", "chemical_formula")
#: Longest RT (in the seconds column) still taken for minutes when the writer is unknown.
MINUTES_UP_TO = 60.0


def is_mztab(text: str) -> bool:
    """Whether ``text`` (the start of a file) is an mzTab file: its first non-comment,
    non-blank line is an ``MTD`` line."""
    for line in text.splitlines()[:50]:
        if not line.strip() or line.startswith("COM"):
            continue
        return line.startswith("MTD\t") or line.startswith("MTD ")
    return False


@dataclass
class _Sections:
    metadata: dict[str, str] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # SML, SMF, SME
    lines: dict[str, list[int]] = field(default_factory=dict)  # file line of each row


def _sections(text: str, source: str) -> _Sections:
    found = _Sections()
    headers: dict[str, list[str]] = {}
    rows: dict[str, list[list[str]]] = {"SML": [], "SMF": [], "SME": []}
    for number, line in enumerate(text.splitlines(), start=1):
        cells = line.rstrip("\r").split("\t")
        kind = cells[0].strip()
        if kind == "MTD" and len(cells) >= 3:
            found.metadata[cells[1].strip()] = cells[2].strip()
        elif kind in ("SMH", "SFH", "SEH"):
            headers[{"SMH": "SML", "SFH": "SMF", "SEH": "SME"}[kind]] = cells[1:]
        elif kind in rows:
            if kind not in headers:
                raise InputError(
                    f"line {number}: a {kind} row before its header line; expected the "
                    f"{ {'SML': 'SMH', 'SMF': 'SFH', 'SME': 'SEH'}[kind] } line first",
                    file=source,
                )
            width = len(headers[kind])
            rows[kind].append((cells[1:] + [""] * width)[:width])
            found.lines.setdefault(kind, []).append(number)
    for kind, table in rows.items():
        if table:
            found.tables[kind] = pd.DataFrame(table, columns=headers[kind], dtype=object)
    return found


def _null(value: object) -> str:
    text = str(value).strip()
    return "" if text.lower() in {"null", "na", "nan", ""} else text


def _names_of_features(sections: _Sections) -> pd.Series:
    """Per SMF row, its name: the SML that refers to it, else its first SME."""
    smf = sections.tables["SMF"]
    ids = smf["SMF_ID"].map(_null) if "SMF_ID" in smf else pd.Series([""] * len(smf))
    by_summary = _summary_names(sections.tables.get("SML"))
    by_evidence = _evidence_names(sections.tables.get("SME"))
    first_evidence = (
        smf["SME_ID_REFS"].map(lambda refs: str(refs).split("|")[0].strip())
        if "SME_ID_REFS" in smf
        else pd.Series([""] * len(smf))
    )
    out = [
        by_summary.get(smf_id, "") or by_evidence.get(evidence, "")
        for smf_id, evidence in zip(ids, first_evidence, strict=True)
    ]
    return pd.Series(out, dtype=object)


def _summary_names(sml: pd.DataFrame | None) -> dict[str, str]:
    """SMF ID → the ``chemical_name`` of the first SML row that refers to it."""
    names: dict[str, str] = {}
    if sml is None or "SMF_ID_REFS" not in sml or "chemical_name" not in sml:
        return names
    for refs, name in zip(sml["SMF_ID_REFS"], sml["chemical_name"], strict=True):
        for ref in str(refs).split("|"):
            names.setdefault(ref.strip(), _null(name))
    return names


def _evidence_names(sme: pd.DataFrame | None) -> dict[str, str]:
    """SME ID → its ``chemical_name``."""
    if sme is None or "SME_ID" not in sme or "chemical_name" not in sme:
        return {}
    return {
        str(i).strip(): _null(n) for i, n in zip(sme["SME_ID"], sme["chemical_name"], strict=True)
    }


def _rt_minutes(
    seconds: pd.Series, metadata: dict[str, str], source: str
) -> tuple[pd.Series, str | None]:
    """The RTs in minutes, and the warning when the seconds column held minutes."""
    values = pd.to_numeric(seconds.map(_null), errors="coerce")
    software = " ".join(v for k, v in metadata.items() if k.startswith("software")).lower()
    largest = float(values.max()) if values.notna().any() else float("nan")
    if "ms-dial" in software or (np.isfinite(largest) and largest <= MINUTES_UP_TO):
        why = (
            "MS-DIAL writes minutes there"
            if "ms-dial" in software
            else (f"no value exceeds {MINUTES_UP_TO:g}, too short for seconds of an LC run")
        )
        warning = (
            f"{source}: retention_time_in_seconds read as minutes ({why}; largest "
            f"{largest:g}); check the RTs in the results"
        )
        return values.map(lambda v: "" if pd.isna(v) else repr(float(v))), warning
    return values.map(lambda v: "" if pd.isna(v) else repr(round(float(v) / 60.0, 6))), None


def read_mztab(text: str, source: str) -> Export:
    """An mzTab-M file's features, one sample per assay (see the module).

    Raises
    ------
    InputError
        The file has no SMF section and no SML rows with an RT, or no abundance column.
    """
    sections = _sections(text, source)
    if "SMF" in sections.tables and "retention_time_in_seconds" in sections.tables["SMF"]:
        table, kind = sections.tables["SMF"], "SMF"
        names = _names_of_features(sections)
        rt_cells = table["retention_time_in_seconds"]
    elif "SML" in sections.tables:
        table, kind = sections.tables["SML"], "SML"
        names = table.get("chemical_name", pd.Series([""] * len(table))).map(_null)
        rt_column = next((c for c in table.columns if "retention_time" in c.lower()), None)
        if rt_column is None:
            raise InputError(
                "the mzTab-M file has no SMF (feature) section and its SML rows have no "
                "retention time column; export the features (SMF) with their RT",
                file=source,
            )
        rt_cells = table[rt_column]
    else:
        raise InputError(
            "the mzTab-M file has no SML or SMF rows (no small molecules); expected the "
            "small-molecule sections of mzTab-M 2.0",
            file=source,
        )
    return _export(sections, table, kind, names, rt_cells, source)


def _export(
    sections: _Sections,
    table: pd.DataFrame,
    kind: str,
    names: pd.Series,
    rt_cells: pd.Series,
    source: str,
) -> Export:
    assays = assay_names(sections.metadata, list(table.columns))
    if not assays:
        raise InputError(
            f"the mzTab-M {kind} rows have no abundance_assay[n] column; expected one per assay",
            file=source,
        )
    rt, warning = _rt_minutes(rt_cells, sections.metadata, source)
    header = ["name", "rt", *table.columns]
    cells = pd.concat(
        [
            names.rename(0).reset_index(drop=True),
            rt.rename(1).reset_index(drop=True),
            table.reset_index(drop=True).map(_null),
        ],
        axis=1,
    )
    cells.columns = pd.Index(range(len(header)))
    types, type_warnings = assay_types(sections.metadata, assays, source)
    warnings = ((warning,) if warning else ()) + tuple(type_warnings)
    raw = RawTable(cells, header, source, warnings=warnings, encoding="utf-8")
    features = Features(
        names=cells[0],
        rt=cells[1],
        source_rows=np.asarray(sections.lines[kind], dtype=np.int64),
        evidence={h: cells[header.index(h)] for h in EVIDENCE if h in header},
        name_column="chemical_name",
        rt_column="retention_time_in_seconds",
    )
    groups = assay_groups(sections.metadata)
    samples = [
        SampleColumns(
            name=name,
            area=cells[header.index(f"abundance_assay[{n}]")],
            area_column=f"abundance_assay[{n}]",
            metadata={
                "assay": f"assay[{n}]",
                **({"Class": groups[n]} if n in groups else {}),
                **({"File type": types[n]} if n in types else {}),
            },
        )
        for n, name in assays.items()
    ]
    return build_export(
        "mzTab-M", raw, features, samples, tuple(h for h in EVIDENCE if h in header)
    )

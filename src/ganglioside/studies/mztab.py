"""``study.mztab``: the study as mzTab-M 2.0 (metadata, small molecules, features).

* MTD: version ``2.0.0-M``, ID, software, quantification method, one ms_run, sample and assay
  per design sample (negative scan polarity; the sample's type -- study sample, pooled QC,
  blank, standard -- as its description), one study variable per group (mean and coefficient
  of variation),
  the controlled vocabularies used, "no database", quantification units, the identification
  reliability scheme and the confidence measure;
* SML: one row per aligned compound: name as written, formula, neutral mass, ``[M-H]1-``,
  reliability (MSI scale, from the best identification level of its valid peaks:
  :data:`ganglioside.identification.MZTAB_RELIABILITY`; 4 when the species was an outlier or a
  fragment in at least as many samples as it was valid), the found fraction as confidence,
  the abundance per assay (the chosen quantity), group means and
  CVs, and optional columns (species, isomer track, category, fold change, q value);
* SMF: one row per compound (its ``[M-H]1-`` feature): m/z computed from the formula (the
  tables carry no measured m/z), consensus RT and range in seconds, abundance per assay;
* SME: one evidence row per compound: the identification level behind its reliability
  (``id_confidence_measure[2]``), the MS level of that evidence (2 with MS/MS diagnostic ions)
  and the samples where it was valid, outlier or fragment.

Missing values are written ``null``.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..identification import LEVELS, MZTAB_RELIABILITY
from ..names import composition_frame
from ..report.safe import CSV_FLOAT_DIGITS, neutralise
from ..report.summary_json import software_version
from .result import StudyResult

VERSION = "2.0.0-M"
NULL = "null"
#: ``sample[n]-description`` of each sample type of the design (another type is written as
#: it is): words an mzTab-M reader types the assay by (:mod:`ganglioside.inputs.mztab_assays`).
SAMPLE_DESCRIPTIONS = {
    "sample": "study sample",
    "qc": "pooled QC",
    "blank": "blank",
    "standard": "standard",
}

_CVS = (
    ("MS", "PSI-MS controlled vocabulary", "4.1.0", "https://github.com/HUPO-PSI/psi-ms-CV"),
    ("UO", "Units of Measurement Ontology", "2023-05-25", "http://purl.obolibrary.org/obo/uo.owl"),
)


#: Characters that end a field or a line for some reader: C0/C1 controls, line separators.
_FIELD_BREAKS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _value(value: object) -> str:
    if value is None or value is pd.NA:
        return NULL
    if isinstance(value, float | np.floating):
        return NULL if not math.isfinite(float(value)) else f"{float(value):.{CSV_FLOAT_DIGITS}g}"
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    # mzTab-M is tab separated, one line per row, with no quoting: a tab, a line break or any
    # other control or line-separator character of a cell becomes a space.  Text a spreadsheet
    # would run as a formula is neutralised as in every other table.
    text = _FIELD_BREAKS.sub(" ", str(value))
    return str(neutralise(text)) if text else NULL


def _param(label: str, accession: str, name: str, value: str = "") -> str:
    return f"[{label}, {accession}, {name}, {value}]"


#: The unit of each quantity, as a user parameter.
_UNITS = {
    "raw": "consolidated peak volume",
    "total": "share of the total valid ganglioside signal",
    "median": "consolidated peak volume divided by the sample's median",
    "pqn": "consolidated peak volume, probabilistic quotient normalised",
    "amount": "consolidated peak volume per unit of sample amount",
    "internal_standard": "ratio to the internal standard",
}


def location_uri(source: str) -> str:
    """A valid ``file:`` URI for a table's path (absolute, percent-encoded)."""
    return Path(source).absolute().as_uri()


def _metadata(result: StudyResult) -> list[tuple[str, str]]:
    stem = Path(result.design.source).stem or "study"
    quantity = result.quantities.quantity
    unit = _param("", "", _UNITS.get(quantity, quantity))
    software = f"ganglioside {software_version()}"
    mtd: list[tuple[str, str]] = [
        ("mzTab-version", VERSION),
        ("mzTab-ID", stem),
        ("title", f"Ganglioside study {stem}"),
        ("description", "; ".join(result.quantities.notes)),
        ("software[1]", _param("MS", "MS:1000799", "custom unreleased software tool", software)),
        (
            "quantification_method",
            _param("MS", "MS:1001834", "LC-MS label-free quantitation analysis"),
        ),
        *_runs_and_assays(result),
        *_study_variables(result),
    ]
    for k, (label, full, version, uri) in enumerate(_CVS, start=1):
        mtd += [
            (f"cv[{k}]-label", label),
            (f"cv[{k}]-full_name", full),
            (f"cv[{k}]-version", version),
            (f"cv[{k}]-uri", uri),
        ]
    mtd += [
        ("database[1]", _param("", "", '"no database"', NULL)),
        ("database[1]-prefix", NULL),
        ("database[1]-version", "Unknown"),
        ("database[1]-uri", NULL),
        ("small_molecule-quantification_unit", unit),
        ("small_molecule_feature-quantification_unit", unit),
        (
            "small_molecule-identification_reliability",
            _param("MS", "MS:1002896", "compound identification confidence level"),
        ),
        ("id_confidence_measure[1]", _param("", "", "fraction of samples where valid")),
        (
            "id_confidence_measure[2]",
            _param("", "", "identification level (1 standard ... 5 contradicted)"),
        ),
    ]
    return mtd


def _runs_and_assays(result: StudyResult) -> list[tuple[str, str]]:
    """One ms_run (its table, negative polarity), one sample (its type as description) and one
    assay per sample."""
    out = []
    for i, spec in enumerate(result.design.samples, start=1):
        source = spec.source or result.analyses[spec.sample].source or spec.sample
        out.append((f"ms_run[{i}]-location", location_uri(str(source))))
        out.append((f"ms_run[{i}]-scan_polarity[1]", _param("MS", "MS:1000129", "negative scan")))
    for i, spec in enumerate(result.design.samples, start=1):
        out.append((f"sample[{i}]", spec.sample))
        description = SAMPLE_DESCRIPTIONS.get(spec.sample_type, spec.sample_type)
        out.append((f"sample[{i}]-description", description))
    for i, spec in enumerate(result.design.samples, start=1):
        out.append((f"assay[{i}]", spec.sample))
        out.append((f"assay[{i}]-sample_ref", f"sample[{i}]"))
        out.append((f"assay[{i}]-ms_run_ref", f"ms_run[{i}]"))
    return out


def _study_variables(result: StudyResult) -> list[tuple[str, str]]:
    """One study variable per group: its assays, mean and coefficient of variation."""
    out = []
    for j, group in enumerate(result.design.groups, start=1):
        refs = "|".join(
            f"assay[{i}]"
            for i, s in enumerate(result.design.samples, start=1)
            if s.group == group and s.is_biological
        )
        out += [
            (f"study_variable[{j}]", group),
            (f"study_variable[{j}]-assay_refs", refs),
            (f"study_variable[{j}]-description", f"group {group}"),
            (f"study_variable[{j}]-average_function", _param("MS", "MS:1002962", "mean")),
            (
                f"study_variable[{j}]-variation_function",
                _param("MS", "MS:1002963", "variation coefficient"),
            ),
        ]
    return out


def _chemistry(result: StudyResult) -> pd.DataFrame:
    names = composition_frame(result.features["name"].astype(str))
    return names.reindex(result.features["name"].astype(str))[
        ["formula", "mass", "mz_h"]
    ].reset_index(drop=True)


def _anchored(result: StudyResult) -> set[int]:
    peaks = result.peaks
    if peaks is None:
        return set()
    return set(int(f) for f in peaks.loc[peaks["is_anchor"] & (peaks["feature"] >= 0), "feature"])


def identification_of(result: StudyResult) -> pd.Series:
    """The identification level of each compound (by feature id, position as features'):
    the best level among its valid peaks (anchored: 1, else 3 when the peaks carry no level);
    5 when the species was an outlier or a fragment in at least as many samples as valid."""
    features = result.features.reset_index(drop=True)
    anchored = _anchored(result)
    level = pd.Series([1 if f in anchored else 3 for f in features["feature"]], dtype=int)
    peaks = result.peaks
    if peaks is not None and "identification_level" in peaks.columns:
        levels = pd.to_numeric(peaks["identification_level"], errors="coerce")
        found = levels[(peaks["feature"] >= 0) & levels.notna()]
        best = found.groupby(peaks.loc[found.index, "feature"]).min()
        known = features["feature"].map(best)
        level = known.fillna(level).astype(int)
    against = features["outlier_in"].map(_count) + features["fragment_in"].map(_count)
    level[against >= features["n_found"]] = 5
    return level


def _count(samples: object) -> int:
    """How many samples a list such as ``S1, S4`` (align's ``outlier_in``) names."""
    text = "" if samples is None or str(samples) == "nan" else str(samples)
    return len([s for s in text.split(",") if s.strip()])


def _small_molecules(result: StudyResult) -> pd.DataFrame:
    features = result.features.reset_index(drop=True)
    chem = _chemistry(result)
    values = result.quantities.values.reindex(features["feature"]).reset_index(drop=True)
    stats = (
        result.main_statistics.set_index("feature")
        .reindex(features["feature"])
        .reset_index(drop=True)
    )
    level = identification_of(result)
    sml = pd.DataFrame(
        {
            "SML_ID": features["feature"],
            "SMF_ID_REFS": features["feature"],
            "database_identifier": NULL,
            "chemical_formula": chem["formula"],
            "smiles": NULL,
            "inchi": NULL,
            "chemical_name": features["name"],
            "uri": NULL,
            "theoretical_neutral_mass": chem["mass"],
            "adduct_ions": "[M-H]1-",
            "reliability": level.map(MZTAB_RELIABILITY),
            "best_id_confidence_measure": _param("", "", "fraction of samples where valid"),
            "best_id_confidence_value": features["found_fraction"],
        }
    )
    more: dict[str, pd.Series] = _assay_columns(values)
    group_of = {s.sample: s.group for s in result.design.samples if s.is_biological}
    for j, group in enumerate(result.design.groups, start=1):
        cells = values[[s for s in values.columns if group_of.get(s) == group]]
        mean = cells.mean(axis=1)
        more[f"abundance_study_variable[{j}]"] = mean
        more[f"abundance_variation_study_variable[{j}]"] = 100 * cells.std(axis=1) / mean
    more["opt_global_feature_id"] = features["feature_id"]
    more["opt_global_species"] = features["species"]
    more["opt_global_isomer_track"] = features["isomer_track"]
    more["opt_global_category"] = features["category"]
    more["opt_global_internal_standard"] = features["is_standard"]
    more["opt_global_log2_fold_change"] = stats["log2_fold_change"]
    more["opt_global_q_value"] = stats["q_value"]
    return pd.concat([sml, pd.DataFrame(more)], axis=1)


def _assay_columns(values: pd.DataFrame) -> dict[str, pd.Series]:
    """``abundance_assay[i]`` for each sample, in design order."""
    return {
        f"abundance_assay[{i}]": values[sample] for i, sample in enumerate(values.columns, start=1)
    }


def _features(result: StudyResult) -> pd.DataFrame:
    features = result.features.reset_index(drop=True)
    chem = _chemistry(result)
    values = result.quantities.values.reindex(features["feature"]).reset_index(drop=True)
    smf = pd.DataFrame(
        {
            "SMF_ID": features["feature"],
            "SME_ID_REFS": features["feature"],
            "SME_ID_REF_ambiguity_code": NULL,
            "adduct_ion": "[M-H]1-",
            "isotopomer": NULL,
            "exp_mass_to_charge": chem["mz_h"],
            "charge": -1,
            "retention_time_in_seconds": 60 * features["rt"],
            "retention_time_in_seconds_start": 60 * features["rt_min"],
            "retention_time_in_seconds_end": 60 * features["rt_max"],
        }
    )
    return pd.concat([smf, pd.DataFrame(_assay_columns(values))], axis=1)


def _evidence(result: StudyResult) -> pd.DataFrame:
    """One SME row per compound: the evidence behind its identification level."""
    features = result.features.reset_index(drop=True)
    chem = _chemistry(result)
    level = identification_of(result)
    return pd.DataFrame(
        {
            "SME_ID": features["feature"],
            "evidence_input_id": [f"compound_{f}" for f in features["feature"]],
            "database_identifier": NULL,
            "chemical_formula": chem["formula"],
            "smiles": NULL,
            "inchi": NULL,
            "chemical_name": features["name"],
            "uri": NULL,
            "derivatized_form": NULL,
            "adduct_ion": "[M-H]1-",
            "exp_mass_to_charge": chem["mz_h"],
            "charge": -1,
            "theoretical_mass_to_charge": chem["mz_h"],
            "spectra_ref": NULL,
            "identification_method": _param(
                "", "", "RT model on Log P and composition (ganglioside)"
            ),
            "ms_level": [
                _param("MS", "MS:1000511", "ms level", "2" if v == 2 else "1") for v in level
            ],
            "id_confidence_measure[1]": features["found_fraction"],
            "id_confidence_measure[2]": level,
            "rank": 1,
            "opt_global_identification": [LEVELS[int(v)] for v in level],
            "opt_global_outlier_in": features["outlier_in"],
            "opt_global_fragment_in": features["fragment_in"],
        }
    )


def _table_lines(prefix: str, header: str, frame: pd.DataFrame) -> list[str]:
    lines = ["\t".join([header, *frame.columns])]
    for row in frame.itertuples(index=False, name=None):
        lines.append("\t".join([prefix, *(_value(v) for v in row)]))
    return lines


def study_mztab(result: StudyResult) -> str:
    """The study as mzTab-M 2.0 text."""
    lines = [f"MTD\t{key}\t{_value(value)}" for key, value in _metadata(result)]
    lines.append("")
    lines += _table_lines("SML", "SMH", _small_molecules(result))
    lines.append("")
    lines += _table_lines("SMF", "SFH", _features(result))
    lines.append("")
    lines += _table_lines("SME", "SEH", _evidence(result))
    return "\n".join(lines) + "\n"

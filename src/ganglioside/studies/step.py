"""The study step: stored per-sample results → drift, aligned compounds, quantities, statistics.

:func:`combine` reads only what each sample's analysis stored (its compounds frame, summary and
warnings), so it runs the same after a process pool, a set of Celery tasks or a loop.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..report.summary_json import software_version
from ..result import STATUSES
from .align import Alignment, align, reported_unaligned
from .config import StudyConfig
from .design import Design, DesignError
from .drift import estimate_drift
from .indices import ganglioside_indices, index_features
from .peaks import peak_table
from .quantify import Quantities, quantify
from .result import MATRIX_COLUMNS, SAMPLE_COLUMNS, StudyResult
from .run import SampleResult
from .shared_model import SharedModel
from .statistics import StatsPlan, comparison, group_statistics, pca

#: A compound is called changed in the summary below this q value.
SIGNIFICANT_Q = 0.05


def usable_design(design: Design, results: Sequence[SampleResult]) -> tuple[Design, list[str]]:
    """The design without the samples whose table could not be analysed, and warnings."""
    failed = {r.sample: r.error for r in results if not r.ok}
    if not failed:
        return design, []
    warnings = [f"sample {s} left out: {e}" for s, e in failed.items()]
    kept = _kept_samples(design, failed)
    units = _units_per_group(kept)
    small = [g for g in design.groups if len(units.get(g, ())) < 2]
    if small:
        raise _too_few_left(design, failed, small)
    groups = tuple(g for g in design.groups if g in units)
    return Design(kept, groups, design.source), warnings


def _kept_samples(design: Design, failed: Mapping[str, str]) -> tuple[Any, ...]:
    """The design's samples that neither failed nor repeat a sample that failed."""
    return tuple(
        s for s in design.samples if s.sample not in failed and s.replicate_of not in failed
    )


def _too_few_left(design: Design, failed: dict[str, str], small: list[str]) -> DesignError:
    """The error of a study whose failed samples leave a group with fewer than two."""
    problems = [
        InputError(f"sample {s!r} could not be analysed: {e}", file=design.source)
        for s, e in failed.items()
    ]
    problems.append(
        InputError(
            f"too few samples left to compare in group(s) {', '.join(small)}",
            file=design.source,
            column="group",
        )
    )
    return DesignError(problems, file=design.source)


def _units_per_group(samples: Sequence[Any]) -> dict[str, set[str]]:
    """Group → the biological units (replicates once) of its study samples."""
    units: dict[str, set[str]] = {}
    for s in samples:
        if s.is_biological:
            units.setdefault(s.group, set()).add(s.unit)
    return units


def combine(
    design: Design,
    results: Sequence[SampleResult],
    config: StudyConfig,
    shared: SharedModel | None = None,
) -> StudyResult:
    """Drift, alignment, quantities and statistics from the per-sample results (``shared``:
    the shared anchors the samples were given, reported in the summary)."""
    design, warnings = usable_design(design, results)
    by_sample = {r.sample: r for r in results if r.ok}
    names = [s.sample for s in design.samples]
    compounds: Mapping[str, pd.DataFrame] = {s: by_sample[s].compounds for s in names}  # type: ignore[misc]
    peaks = peak_table(compounds)
    drift = estimate_drift(peaks, names, config)
    alignment = align(peaks, names, drift, config.rt_tolerance)
    features = with_feature_ids(alignment.features)
    quantities = quantify(alignment.abundance, features, design, config)
    pair = comparison(design, config.compare)
    plan, detected = _plan(config, quantities, alignment, names)
    statistics, model_notes = group_statistics(
        quantities.imputed, features, design, pair, plan, quantities.values, detected
    )
    statistics = _with_counts(statistics, quantities, features)
    indices, index_statistics = _indices(quantities.values, features, design, pair, plan)
    scores = pca(quantities.imputed, features, design)
    samples = sample_table(design, by_sample, alignment.abundance, features, drift.table)
    samples["dilution_factor"] = (
        quantities.dilution.reindex(samples["sample"]).to_numpy()
        if quantities.dilution is not None
        else None
    )
    warnings.extend(_drift_warnings(drift.table))
    warnings.extend(empty_alignment_warnings(features, peaks))
    matrix = _matrix(features, quantities.values, names)
    summary = _summary(design, samples, features, statistics, quantities, pair, config, scores)
    summary["model_notes"] = model_notes
    summary["rt_model"] = rt_model_summary(shared)
    summary["warnings"] = list(warnings)
    return StudyResult(
        design=design,
        samples=samples,
        analyses={s: by_sample[s] for s in names},
        features=features,
        matrix=matrix,
        statistics=statistics,
        drift=drift.table,
        pca=scores,
        abundance=alignment.abundance,
        quantities=quantities,
        comparison=pair,
        summary=summary,
        config=config,
        warnings=warnings,
        peaks=alignment.peaks,
        shared_model=shared,
        indices=indices,
        index_statistics=index_statistics,
    )


def _plan(
    config: StudyConfig, quantities: Quantities, alignment: Alignment, names: list[str]
) -> tuple[StatsPlan, pd.DataFrame | None]:
    """The test, model, QC-filtered compounds and censoring the config asks for, and for the
    censored test the cells whose sample reported the compound unaligned (never censored)."""
    filtered = quantities.qc.filtered if quantities.qc is not None else frozenset()
    censored = config.imputation == "censored_test"
    plan = StatsPlan(config.test, config.model, filtered, True, censored)
    if not censored:
        return plan, None
    features = alignment.features
    return plan, reported_unaligned(alignment.peaks, features, names, config.rt_tolerance)


def rt_model_summary(shared: SharedModel | None) -> dict[str, Any]:
    """How the samples' RT models were anchored: on the study's shared anchors (how many,
    from how many samples, how many rows were taken as anchors) or on their own."""
    if shared is None:
        return {"anchors": "own"}
    return {
        "anchors": "shared",
        "pooled_anchors": len(shared.anchors),
        "samples_contributing": shared.n_samples,
        "rows_taken_as_anchors": sum(len(r) for r in shared.rows.values()),
        "calibration_fitted": shared.calibration is not None,
    }


def _indices(
    values: pd.DataFrame, features: pd.DataFrame, design: Design, pair: Any, plan: StatsPlan
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ganglioside-level indices per sample and their tests (same model, no moderation)."""
    indices = ganglioside_indices(values, features)
    own = StatsPlan(plan.test, plan.model, frozenset(), moderate=False)
    table, _ = group_statistics(
        indices.reset_index(drop=True), index_features(indices), design, pair, own
    )
    keep = [
        c
        for c in table.columns
        if c not in ("feature", "species", "isomer_track", "category", "rt", "outlier_in")
        and c not in ("fragment_in", "found_fraction")
    ]
    return indices, table[keep].rename(columns={"name": "index"})


def with_feature_ids(features: pd.DataFrame) -> pd.DataFrame:
    """The features with a ``feature_id`` (``F0001`` …): the compound's number, the same in
    ``matrix.csv``, ``statistics.csv``, the workbook and mzTab-M."""
    out = features.copy()
    out.insert(1, "feature_id", [feature_id(f) for f in out["feature"]])
    return out


def feature_id(feature: int) -> str:
    """The stable id of compound number ``feature``."""
    return f"F{int(feature):04d}"


def _with_counts(statistics: pd.DataFrame, quantities: Any, features: pd.DataFrame) -> pd.DataFrame:
    """Missing and imputed cells, the QC measures and filter reasons, the feature id."""
    index = statistics["feature"]
    statistics.insert(1, "feature_id", [feature_id(f) for f in index])
    statistics["n_missing"] = quantities.n_missing.reindex(index).to_numpy()
    statistics["n_imputed"] = quantities.imputed_cells.sum(axis=1).reindex(index).to_numpy()
    if quantities.qc is not None:
        table = quantities.qc.table.reindex(index)
        for column in ("qc_rsd_before", "qc_rsd", "d_ratio", "blank_ratio", "filter"):
            statistics[column] = table[column].to_numpy()
        statistics["filter"] = statistics["filter"].fillna("")
    return statistics


def _matrix(features: pd.DataFrame, values: pd.DataFrame, samples: list[str]) -> pd.DataFrame:
    head = features.set_index("feature").reindex(values.index)[list(MATRIX_COLUMNS)]
    matrix = head.join(values[samples])
    matrix.index.name = "feature"
    return matrix.reset_index()


def sample_table(
    design: Design,
    results: Mapping[str, SampleResult],
    abundance: pd.DataFrame,
    features: pd.DataFrame,
    drift: pd.DataFrame,
) -> pd.DataFrame:
    """One row per sample: design, counts by status, anchors, compounds found, drift."""
    standard = features.set_index("feature")["is_standard"].reindex(abundance.index).to_numpy()
    endogenous = abundance.loc[~standard]  # the valid signal: each sample's column summed
    rows = []
    for spec in design.samples:
        result = results[spec.sample]
        compounds = result.compounds
        assert compounds is not None
        status = compounds["status"].astype(str).to_numpy(dtype=object)
        anchors = compounds["is_anchor"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        rows.append(
            {
                "sample": spec.sample,
                "sample_type": spec.sample_type,
                "group": spec.group,
                "batch": spec.batch,
                "injection_order": spec.injection_order,
                "replicate_of": spec.replicate_of,
                "subject": spec.subject,
                "amount": spec.amount,
                "source": result.source,
                "rows": len(compounds),
                **{s: int((status == s).sum()) for s in STATUSES},
                "anchors": int(anchors.sum()) - result.borrowed_anchors,
                "borrowed_anchors": result.borrowed_anchors,
                "compounds_found": int(abundance[spec.sample].notna().sum()),
                "valid_signal": float(endogenous[spec.sample].sum()),
                "warnings": "; ".join(result.warnings),
                "error": result.error,
            }
        )
    table = pd.DataFrame(rows, columns=list(SAMPLE_COLUMNS))
    table = table.merge(drift, on="sample", how="left")
    extras = pd.DataFrame([s.extra for s in design.samples])
    for column in extras.columns:
        if column not in table.columns:
            table[column] = extras[column].to_numpy()
    return table


def empty_alignment_warnings(features: pd.DataFrame, peaks: pd.DataFrame) -> list[str]:
    """Why no compound was aligned: the statuses the samples' rows came back with (only valid
    rows and internal standards make compounds)."""
    if len(features) or peaks.empty:
        return []
    counts = peaks["status"].astype(str).value_counts()
    seen = ", ".join(f"{status} {n:,}" for status, n in counts.items())
    return [
        f"no compound was aligned: none of the {len(peaks):,} rows of the "
        f"{peaks['sample'].nunique()} samples came back valid ({seen}), and only valid rows "
        "(and internal standards) make the matrix; with most rows unverified the retention "
        "model could not confirm the names: mark anchors, give a calibrant list "
        "(--calibrants) or check that the RTs are in minutes"
    ]


def _drift_warnings(drift: pd.DataFrame) -> list[str]:
    out = []
    none = drift.loc[drift["n_references"] == 0, "sample"].tolist()
    if none:
        out.append(
            f"no reference peak to measure the drift of {', '.join(none)}: their RTs are not "
            "corrected"
        )
    return out


def _summary(
    design: Design,
    samples: pd.DataFrame,
    features: pd.DataFrame,
    statistics: pd.DataFrame,
    quantities: Any,
    pair: Any,
    config: StudyConfig,
    scores: Any,
) -> dict[str, Any]:
    """Counts, comparison, quantity notes, parameters and version (JSON-ready)."""
    main = statistics[statistics["contrast"] == pair.label]
    q = main["q_value"].to_numpy(dtype=float)
    changed = np.isfinite(q) & (q < SIGNIFICANT_Q)
    fc = main["log2_fold_change"].to_numpy(dtype=float)
    qc = quantities.qc
    return {
        "software": {"name": "ganglioside", "version": software_version()},
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "design": design.source,
        "n_samples": len(design.samples),
        "groups": {
            g: int(((samples["group"] == g) & (samples["sample_type"] == "sample")).sum())
            for g in design.groups
        },
        "sample_types": {str(k): int(v) for k, v in samples["sample_type"].value_counts().items()},
        "comparison": pair.label,
        "contrasts": pair.labels,
        "contrast_counts": _contrast_counts(statistics),
        "test": str(statistics["test"].iat[0]) if len(statistics) else "",
        "qc_filters": dict(qc.counts) if qc is not None else {},
        "n_compounds": len(features),
        "n_standards": int(features["is_standard"].sum()),
        "n_tested": int(np.isfinite(main["p_value"].to_numpy(dtype=float)).sum()),
        "n_changed_q05": int(changed.sum()),
        "n_up_q05": int((changed & (fc > 0)).sum()),
        "n_down_q05": int((changed & (fc < 0)).sum()),
        "quantity": quantities.quantity,
        "imputation": quantities.imputation,
        "quantity_notes": list(quantities.notes),
        "missing_values": int(quantities.n_missing.sum()),
        "pca_explained": [float(x) for x in scores.explained],
        "parameters": config.to_dict(),
    }


def _contrast_counts(statistics: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Per contrast: compounds tested, changed (q < 0.05), up and down."""
    out = {}
    for label, rows in statistics.groupby("contrast", sort=False):
        q = rows["q_value"].to_numpy(dtype=float)
        fc = rows["log2_fold_change"].to_numpy(dtype=float)
        changed = np.isfinite(q) & (q < SIGNIFICANT_Q)
        out[str(label)] = {
            "tested": int(np.isfinite(rows["p_value"].to_numpy(dtype=float)).sum()),
            "changed": int(changed.sum()),
            "up": int((changed & (fc > 0)).sum()),
            "down": int((changed & (fc < 0)).sum()),
        }
    return out

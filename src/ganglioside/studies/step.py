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
from .align import align
from .config import StudyConfig
from .design import Design, DesignError
from .drift import estimate_drift
from .peaks import peak_table
from .quantify import quantify
from .result import MATRIX_COLUMNS, SAMPLE_COLUMNS, StudyResult
from .run import SampleResult
from .shared_model import SharedModel
from .statistics import comparison, group_statistics, pca

#: A compound is called changed in the summary below this q value.
SIGNIFICANT_Q = 0.05


def usable_design(design: Design, results: Sequence[SampleResult]) -> tuple[Design, list[str]]:
    """The design without the samples whose table could not be analysed, and warnings."""
    failed = {r.sample: r.error for r in results if not r.ok}
    if not failed:
        return design, []
    warnings = [f"sample {s} left out: {e}" for s, e in failed.items()]
    kept = tuple(
        s for s in design.samples if s.sample not in failed and s.replicate_of not in failed
    )
    units: dict[str, set[str]] = {}
    for s in kept:
        units.setdefault(s.group, set()).add(s.unit)
    small = [g for g in design.groups if len(units.get(g, ())) < 2]
    if small:
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
        raise DesignError(problems, file=design.source)
    groups = tuple(g for g in design.groups if g in units)
    return Design(kept, groups, design.source), warnings


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
    features = alignment.features
    quantities = quantify(alignment.abundance, features, config.quantity, config.imputation)
    pair = comparison(design, config.compare)
    statistics = group_statistics(quantities.imputed, features, design, pair)
    statistics["n_missing"] = quantities.n_missing.reindex(statistics["feature"]).to_numpy()
    statistics["n_imputed"] = statistics["n_missing"] if config.imputation != "none" else 0
    scores = pca(quantities.imputed, features, design)
    samples = sample_table(design, by_sample, alignment.abundance, features, drift.table)
    warnings.extend(_drift_warnings(drift.table))
    matrix = _matrix(features, quantities.values, names)
    summary = _summary(design, samples, features, statistics, quantities, pair, config, scores)
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
    )


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
    rows = []
    for spec in design.samples:
        result = results[spec.sample]
        compounds = result.compounds
        assert compounds is not None
        status = compounds["status"].astype(str)
        anchors = compounds["is_anchor"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        rows.append(
            {
                "sample": spec.sample,
                "group": spec.group,
                "batch": spec.batch,
                "injection_order": spec.injection_order,
                "replicate_of": spec.replicate_of,
                "source": result.source,
                "rows": len(compounds),
                **{s: int((status == s).sum()) for s in STATUSES},
                "anchors": int(anchors.sum()) - result.borrowed_anchors,
                "borrowed_anchors": result.borrowed_anchors,
                "compounds_found": int(abundance[spec.sample].notna().sum()),
                "valid_signal": float(abundance.loc[~standard, spec.sample].sum()),
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
    q = statistics["q_value"].to_numpy(dtype=float)
    changed = np.isfinite(q) & (q < SIGNIFICANT_Q)
    fc = statistics["log2_fold_change"].to_numpy(dtype=float)
    return {
        "software": {"name": "ganglioside", "version": software_version()},
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "design": design.source,
        "n_samples": len(design.samples),
        "groups": {g: int((samples["group"] == g).sum()) for g in design.groups},
        "comparison": pair.label,
        "test": str(statistics["test"].iat[0]) if len(statistics) else "",
        "n_compounds": len(features),
        "n_standards": int(features["is_standard"].sum()),
        "n_tested": int(np.isfinite(statistics["p_value"].to_numpy(dtype=float)).sum()),
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

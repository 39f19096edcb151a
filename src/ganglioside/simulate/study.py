"""Simulated studies with known truth: the same species in every sample, two or more groups.

One table from :func:`~ganglioside.simulate.simulate` gives the species of the study (its real
species, with their RT, Log P, isomer track and anchors), its in-source fragments and its
misannotations.  Every sample is that run measured again:

* retention drift: a shift per sample (a trend along the injection order plus a random part)
  and a small slope, then a little RT noise per peak;
* abundance: a loading factor per sample, biological noise per species and sample, and for the
  species chosen as changed a known fold (second group over first) in the second group;
* in-source fragments keep their ratio to their parent and appear in a share of the samples;
  the table's misannotations appear in a share of the samples, and each sample gets a few of
  its own (a species' name at an RT 1-2.5 min away from where it elutes);
* anchors are kept at random per sample, and one sample keeps only two of them (it has to
  borrow the others');
* two labelled internal standards (a GM and a GD species, ``d5``-labelled), spiked at a constant
  amount, so that only the loading factor moves them.

The difficulties of real cohorts, each a knob (off by default; :data:`SCENARIOS` names the
combinations the accuracy bench scores):

* ``batch_sd``: a second batch whose every compound is shifted by its own factor (log-normal,
  this sd); ``confounded``: the share of the first group's samples put in the first batch
  (0.5 balanced, 5/6 for "mostly controls in one batch");
* ``qc_every``: a pooled QC (the mean profile of the groups, technical noise only) every so
  many injections, and ``signal_drift``: each compound's signal falling or rising along the
  injection order (its own slope and curvature, up to this share over the run);
* ``amount_range``: each sample's amount, unknown to the design, between these factors;
* ``paired``: every subject measured once in each group (``subject`` in the design), with a
  subject effect of ``bio_sd`` per compound and ``within_sd`` within the subject;
* ``detection_quantile``: peaks below this quantile of the study's volumes are not reported;
* ``tech_sd``: technical noise of every measurement (QCs included).

:attr:`SimulatedStudy.matrix` holds the true abundance of every real species in every sample
as it went into the tables (all of the above applied but the detection limit): the "perfect
matrix" an analysis without identification or alignment errors would see;
``params["detection_limit"]`` is the volume below which the tables leave a peak out (0: none).

:class:`SimulatedStudy` holds the tables, their per-row truth, the design and the truth per
species; :meth:`SimulatedStudy.write` writes them as files for ``ganglioside study``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .cohort import cohort_design, cohort_effects, extra_group_folds, qc_fold
from .knobs import StudyKnobs
from .simulator import simulate

#: Columns of :attr:`SimulatedStudy.species`.
SPECIES_COLUMNS = ("name", "track", "rt", "changed", "fold", "is_standard")
#: Pivot (min) of the per-sample RT slope.
SLOPE_PIVOT = 13.5


#: The scenarios of ``bench/study_accuracy.py``: name → knobs (biological sd 0.35 log units, as
#: in real cohorts) and the right model for them.
SCENARIOS: dict[str, dict[str, Any]] = {
    "batches balanced": {"bio_sd": 0.35, "batch_sd": 0.6},
    "batches confounded": {"bio_sd": 0.35, "batch_sd": 0.6, "confounded": 5 / 6},
    "unknown amounts": {"bio_sd": 0.35, "amount_range": (0.5, 2.0)},
    "paired small effects": {
        "bio_sd": 0.35,
        "paired": True,
        "within_sd": 0.12,
        "fold_range": (1.3, 1.7),
        "groups": ("before", "after"),
    },
    "QCs with drift": {"bio_sd": 0.35, "qc_every": 6, "signal_drift": 0.6, "tech_sd": 0.05},
    "below detection": {"bio_sd": 0.35, "detection_quantile": 0.25},
    "three groups": {"bio_sd": 0.35, "groups": ("control", "low", "high")},
}


@dataclass(frozen=True)
class SimulatedStudy:
    """A simulated study: tables, per-row truth, design and per-species truth.

    ``species`` has one row per real species peak of the base run (:data:`SPECIES_COLUMNS`):
    its name, isomer track (``early``/``late``/empty), RT in the base run, whether it changes
    between the groups and the true fold (second group over first; 1 when unchanged).  ``runs``
    has one row per sample: its true ``rt_shift`` (at ``SLOPE_PIVOT``), ``rt_slope`` and
    ``loading`` factor.
    """

    tables: dict[str, pd.DataFrame]
    truths: dict[str, pd.DataFrame]
    design: pd.DataFrame
    species: pd.DataFrame
    runs: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)
    matrix: pd.DataFrame | None = None

    def write(self, outdir: str | Path) -> list[Path]:
        """Write ``<sample>.csv`` and ``<sample>.truth.csv`` per sample, ``design.csv``,
        ``truth.csv`` (per species), ``runs.csv`` (drift and loading per sample) and
        ``study.json`` (the knobs) into ``outdir``."""
        outdir = Path(outdir)
        outdir.mkdir(parents=True, exist_ok=True)
        paths = []
        for sample, table in self.tables.items():
            paths.append(outdir / f"{sample}.csv")
            table.to_csv(paths[-1], index=False)
            self.truths[sample].to_csv(outdir / f"{sample}.truth.csv", index=False)
        paths.append(outdir / "design.csv")
        self.design.to_csv(paths[-1], index=False)
        paths.append(outdir / "truth.csv")
        self.species.to_csv(paths[-1], index=False)
        paths.append(outdir / "runs.csv")
        self.runs.to_csv(paths[-1], index=False)
        paths.append(outdir / "study.json")
        paths[-1].write_text(json.dumps(self.params, indent=2), encoding="utf-8")
        return paths


def simulate_study(seed: int, knobs: StudyKnobs | None = None, **changes: Any) -> SimulatedStudy:
    """Simulate a two-group study with known changed species.

    Parameters
    ----------
    seed:
        Seed (whole number ≥ 0); the same seed and knobs give the same study.
    knobs:
        The study's knobs (:class:`StudyKnobs`); ``changes`` override single knobs.
    """
    k = StudyKnobs(**{**(knobs or StudyKnobs()).__dict__, **changes})
    base = simulate(seed, n_rows=k.n_rows)
    rng = np.random.default_rng([seed, 7])
    more = np.random.default_rng([seed, 11])
    table, truth = (
        _with_standards(base.table, base.truth, rng) if k.standards else (base.table, base.truth)
    )
    species, folds = _species_truth(table, truth, k, rng, more)
    design = cohort_design(k, more, _design(k, rng))
    effects = cohort_effects(len(table), design, k, more)
    limit = _detection_limit(table, truth, k)
    tables, truths, runs, perfect = {}, {}, [], {}
    for i, (_, row) in enumerate(design.iterrows()):
        run = _run(row, k, rng, len(design))
        context = _SampleContext(folds, effects[row["sample"]], limit)
        t, tr, volumes = _sample(
            table, truth, species, row, run, k, rng, i < k.poor_samples, context
        )
        tables[row["sample"]], truths[row["sample"]] = t, tr
        perfect[row["sample"]] = volumes
        runs.append({"sample": row["sample"], **run})
    params = {"seed": seed, **{key: _plain(v) for key, v in k.__dict__.items()}}
    params["detection_limit"] = limit  # volume below which a peak is not reported (0: none)
    matrix = pd.DataFrame(perfect, index=species.index)
    return SimulatedStudy(tables, truths, design, species, pd.DataFrame(runs), params, matrix)


@dataclass(frozen=True)
class _SampleContext:
    """What a sample's cohort adds: folds per group, its log factor per row, the detection
    limit (volume; 0: none)."""

    folds: dict[str, dict[str, float]]
    effect: np.ndarray
    limit: float


def _detection_limit(table: pd.DataFrame, truth: pd.DataFrame, k: StudyKnobs) -> float:
    if k.detection_quantile <= 0:
        return 0.0
    valid = (truth["label"].to_numpy() == "valid") & (truth["kind"].to_numpy() != "standard")
    return float(np.quantile(table["Volume"].to_numpy(dtype=float)[valid], k.detection_quantile))


def _run(
    design_row: pd.Series, k: StudyKnobs, rng: np.random.Generator, n_samples: int
) -> dict[str, float]:
    """A sample's RT shift (a trend along the injection order plus noise), slope, loading."""
    position = (float(design_row["injection_order"]) - 1) / max(n_samples - 1, 1)
    return {
        "rt_shift": k.drift_trend * (position - 0.5) + rng.normal(0, k.drift_sd),
        "rt_slope": 1.0 + rng.normal(0, k.slope_sd),
        "loading": float(np.exp(rng.normal(0, k.loading_sd))),
    }


def _plain(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value


def _with_standards(
    table: pd.DataFrame, truth: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two ``d5``-labelled standards next to a valid GM and a valid GD species (constant spike)."""
    valid = truth["label"].to_numpy() == "valid"
    names = table["Name"].astype(str)
    rows_t, rows_tr = [], []
    for prefix in ("GM", "GD"):
        candidates = np.flatnonzero(valid & names.str.match(rf"{prefix}\d\(").to_numpy())
        if not len(candidates):
            continue
        i = int(candidates[0])
        name = f"d5-{names.iat[i]}"
        rows_t.append(
            {
                "Name": name,
                "RT": round(float(table["RT"].to_numpy(dtype=float)[i]) - 0.01, 3),
                "Volume": 2.0e5,
                "Log P": table["Log P"].iat[i],
                "Anchor": "F",
            }
        )
        rows_tr.append({"label": "valid", "kind": "standard", "species": name, "track": ""})
    n = len(table)
    extra_t = pd.DataFrame(rows_t, columns=table.columns)
    extra_tr = pd.DataFrame(rows_tr).assign(row=np.arange(n + 1, n + 1 + len(rows_tr)))
    return (
        pd.concat([table, extra_t], ignore_index=True),
        pd.concat([truth, extra_tr], ignore_index=True),
    )


def _species_truth(
    table: pd.DataFrame,
    truth: pd.DataFrame,
    k: StudyKnobs,
    rng: np.random.Generator,
    more: np.random.Generator,
) -> tuple[pd.DataFrame, dict[str, dict[str, float]]]:
    """Per real species peak: changed or not, and its fold (the same for both isomer tracks)."""
    valid = truth["label"].to_numpy() == "valid"
    names = table["Name"].astype(str).to_numpy()[valid]
    standard = (truth["kind"].to_numpy() == "standard")[valid]
    distinct = pd.unique(names[~standard])
    n_changed = max(1, round(k.changed_fraction * len(distinct)))
    changed_names = rng.choice(distinct, size=n_changed, replace=False)
    magnitude = np.exp(rng.uniform(np.log(k.fold_range[0]), np.log(k.fold_range[1]), n_changed))
    direction = np.where(rng.random(n_changed) < 0.5, 1.0, -1.0)
    fold_of = dict(zip(changed_names, magnitude**direction, strict=True))
    fold = np.array([fold_of.get(n, 1.0) for n in names])
    folds = extra_group_folds(names, fold_of, k, more)
    frame = pd.DataFrame(
        {
            "name": names,
            "track": truth["track"].fillna("").to_numpy()[valid],
            "rt": table["RT"].to_numpy(dtype=float)[valid],
            "changed": fold != 1.0,
            "fold": fold,
            "is_standard": standard,
        }
    )
    for group, own in folds.items():
        frame[f"fold_{group}"] = [own.get(n, 1.0) for n in names]
    columns = [f"fold_{g}" for g in folds]
    frame["changed"] = (frame[columns] != 1.0).any(axis=1).to_numpy()
    return frame, folds


def _design(k: StudyKnobs, rng: np.random.Generator) -> pd.DataFrame:
    """Samples of every group, injected in a random order, in two batches."""
    samples = [(f"{g[0].upper()}{i + 1:02d}", g) for g in k.groups for i in range(k.n_per_group)]
    order = rng.permutation(len(samples)) + 1
    design = pd.DataFrame(
        {
            "sample": [s for s, _ in samples],
            "file": [f"{s}.csv" for s, _ in samples],
            "group": [g for _, g in samples],
            "batch": np.where(order <= len(samples) // 2, "B1", "B2"),
            "injection_order": order,
        }
    )
    return design


def _sample(
    table: pd.DataFrame,
    truth: pd.DataFrame,
    species: pd.DataFrame,
    design_row: pd.Series,
    run: dict[str, float],
    k: StudyKnobs,
    rng: np.random.Generator,
    poor: bool,
    context: _SampleContext,
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """One sample's table, per-row truth and the true volumes of the real species' rows."""
    shift, slope, loading = run["rt_shift"], run["rt_slope"], run["loading"]
    label = truth["label"].to_numpy()
    standard = truth["kind"].to_numpy() == "standard"
    factor = _abundance_factor(table, truth, design_row, k, rng, context) * loading
    factor[standard] = loading * np.exp(rng.normal(0, 0.03, standard.sum()))
    volumes = table["Volume"].to_numpy(dtype=float) * factor
    keep = np.ones(len(table), dtype=bool)
    keep[label == "fragment"] = rng.random((label == "fragment").sum()) < k.fragment_keep
    keep[label == "outlier"] = rng.random((label == "outlier").sum()) < k.outlier_keep
    out = table.copy()
    rt = out["RT"].to_numpy(dtype=float)
    out["RT"] = np.round(
        rt + shift + (slope - 1.0) * (rt - SLOPE_PIVOT) + rng.normal(0, k.rt_noise_sd, len(rt)), 3
    )
    out["Volume"] = np.round(volumes)
    out["Anchor"] = _anchors(out["Anchor"].to_numpy(), k, rng, poor)
    if context.limit > 0:
        keep &= standard | (volumes >= context.limit)
    sample_truth = truth.assign(label=label)
    out, sample_truth = out[keep], sample_truth[keep]
    extra, extra_truth = _own_misannotations(out, sample_truth, k, rng)
    out = pd.concat([out, extra], ignore_index=True)
    sample_truth = pd.concat([sample_truth, extra_truth], ignore_index=True)
    sample_truth["row"] = np.arange(1, len(out) + 1)
    columns = ["row", "label", "kind", "species", "track"]
    real = volumes[label == "valid"]
    return out.reset_index(drop=True), sample_truth[columns].reset_index(drop=True), real


def _abundance_factor(
    table: pd.DataFrame,
    truth: pd.DataFrame,
    design_row: pd.Series,
    k: StudyKnobs,
    rng: np.random.Generator,
    context: _SampleContext,
) -> np.ndarray:
    """Per row: the group's fold times biological noise (technical only in a pooled QC; within
    the subject when paired) times the cohort's effects; fragments follow their parent."""
    names = table["Name"].astype(str).to_numpy()
    group = str(design_row["group"])
    if group in context.folds:
        own = context.folds[group]
        fold = np.array([own.get(n, 1.0) for n in names])
    else:  # a pooled QC
        fold = qc_fold(names, context.folds)
    is_qc = str(design_row.get("sample_type", "sample")) == "qc"
    sd = 0.0 if is_qc else (k.within_sd if k.paired else k.bio_sd)
    factor = fold * np.exp(rng.normal(0, sd, len(names)) + context.effect)
    label = truth["label"].to_numpy()
    parent = truth["parent_row"].to_numpy()
    frag = np.flatnonzero(label == "fragment")
    parent_index = np.array([int(parent[i]) - 1 for i in frag], dtype=np.int64)
    factor[frag] = factor[parent_index] * np.exp(rng.normal(0, 0.05, len(frag)))
    return factor


def _anchors(flags: np.ndarray, k: StudyKnobs, rng: np.random.Generator, poor: bool) -> np.ndarray:
    is_anchor = flags == "T"
    kept = is_anchor & (rng.random(len(flags)) < k.anchor_keep)
    if poor:
        idx = np.flatnonzero(kept)
        kept[idx[2:]] = False
    return np.where(kept, "T", "F")


def _own_misannotations(
    table: pd.DataFrame, truth: pd.DataFrame, k: StudyKnobs, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A few rows with a real species' name at an RT 1-2.5 min away from where it elutes."""
    real = np.flatnonzero((truth["label"].to_numpy() == "valid") & (truth["kind"] != "standard"))
    if k.extra_outliers <= 0 or not len(real):
        return table.iloc[:0], truth.iloc[:0]
    pick = rng.choice(real, size=min(k.extra_outliers, len(real)), replace=False)
    rows = table.iloc[pick].copy()
    move = rng.uniform(1.0, 2.5, len(pick)) * np.where(rng.random(len(pick)) < 0.5, -1, 1)
    rows["RT"] = np.round(np.clip(rows["RT"].to_numpy(dtype=float) + move, 1.0, 30.0), 3)
    rows["Volume"] = np.round(rows["Volume"].to_numpy(dtype=float) * 0.2)
    rows["Anchor"] = "F"
    extra_truth = truth.iloc[pick].assign(label="outlier", kind="own_misannotation")
    return rows, extra_truth

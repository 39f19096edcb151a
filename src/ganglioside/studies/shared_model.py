"""The study's shared anchors: the anchors of every sample, on one time scale, for every sample.

Before any sample is analysed, the anchors of every table are read (no analysis: names, RTs
and volumes only).  Their run-to-run shifts are measured on the anchor species that several
samples share (median differences to the species' consensus RT, three rounds, centred so that
the median run has shift 0), the anchors are put on that common time scale, and the anchors
of one species that elute together (within ``rt_tolerance``) become one pooled anchor with
their median RT: the isomers of a species stay apart, and a stray anchor seen in few samples
of a species that the others anchor elsewhere is left out.

Every sample then takes as anchors its peaks of the pooled anchor species that elute, after
its own shift, within ``rt_tolerance`` of the pooled RT (the closest peak for each), and its
RT model is fitted on them with its own anchors: each sample is modelled on the same, study-
wide anchor set, in its own time (its lines, shift and slope its own).  A sample with few or
no anchors of its own thus uses the others'; a sample that shares no anchor species with the
others has its shift measured on its peaks of the pooled species instead.  The pooled anchors
are also fitted once as one RT model, written as a calibration file (``calibration.json`` of
``ganglioside study``) that later runs can be analysed on.

A measured alternative: the pooled model applied to each sample with only a shift and
scale (as a saved calibration) judged the samples worse (``bench/study_accuracy.py``, seeds
0-3: status macro-F1 0.78 against 0.94 with models of their own; isomer tracks and group
corrections are learned per run), and is not used.

:func:`shared_calibration` returns ``None`` (the samples are then analysed on their own
anchors, and those with too few borrow after a first analysis, see :mod:`.borrow`) when fewer
than :data:`MIN_POOLED_ANCHORS` pooled anchors are found.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from ..calibrants import match_calibrants
from ..errors import GangliosideError
from ..inputs import read_table
from ..names import composition_frame
from .config import StudyConfig
from .run import SampleTask, pool_allowed, sample_pool

#: Pooled anchors the shared anchor set needs (else each sample keeps to its own).
MIN_POOLED_ANCHORS = 5
#: Rounds of consensus RT and per-sample shift.
ROUNDS = 3
#: Of a species anchored at several RTs, a group of anchors is kept when this share of the
#: largest group's samples anchor it too (isomers are anchored broadly, strays are not).
STRAY_SHARE = 0.5
#: Peaks of pooled species a sample without shared anchors needs to measure its shift on.
MIN_SHIFT_PEAKS = 3
#: Columns of :attr:`SharedModel.anchors`.
POOLED_COLUMNS = ("key", "name", "rt", "volume", "n_samples")


@dataclass(frozen=True)
class SharedModel:
    """The study's shared anchors and what was made of them.

    ``anchors`` are the pooled anchors (:data:`POOLED_COLUMNS`: species key, name as most
    often written, median RT on the common scale, median volume, samples anchoring it);
    ``shifts`` each sample's RT shift against that scale (NaN when it could not be measured:
    the sample then keeps to its own anchors); ``rows`` sample → the 1-based data rows of its
    table taken as anchors (on top of its own); ``calibration`` the RT model fitted on the
    pooled anchors, as a calibration file's content (``None`` when it could not be fitted).
    """

    anchors: pd.DataFrame
    shifts: pd.Series
    rows: dict[str, tuple[int, ...]]
    calibration: dict[str, Any] | None

    @property
    def n_samples(self) -> int:
        """Samples whose anchors went into the pool."""
        return int(self.anchors.attrs.get("contributors", 0))

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready data (stored by the web platform between its tasks)."""
        return {
            "anchors": self.anchors.to_dict(orient="records"),
            "contributors": self.n_samples,
            "shifts": {
                str(k): (float(v) if np.isfinite(v) else None) for k, v in self.shifts.items()
            },
            "rows": {k: list(v) for k, v in self.rows.items()},
            "calibration": self.calibration,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SharedModel:
        """The model :meth:`to_dict` gave."""
        anchors = pd.DataFrame(list(data["anchors"]), columns=list(POOLED_COLUMNS))
        anchors.attrs["contributors"] = int(data.get("contributors", 0))
        shifts = pd.Series(
            {k: np.nan if v is None else float(v) for k, v in data["shifts"].items()},
            dtype=float,
        )
        rows = {str(k): tuple(int(r) for r in v) for k, v in data["rows"].items()}
        return cls(anchors, shifts, rows, data.get("calibration"))


def shared_calibration(
    tasks: Sequence[SampleTask], config: StudyConfig, jobs: int = 1
) -> SharedModel | None:
    """The study's shared anchors for ``tasks``, or ``None`` (see the module); the tables are
    read by ``jobs`` processes."""
    if not config.shared_model or len(tasks) < 2:
        return None
    peaks = peak_frames(tasks, jobs)
    anchors = peaks[peaks["is_anchor"] & (peaks["key"] != "")]
    if anchors.empty:
        return None
    samples = [t.sample for t in tasks]
    shifts = anchor_shifts(anchors, samples)
    pooled = pooled_anchors(anchors, shifts, config.rt_tolerance)
    if len(pooled) < MIN_POOLED_ANCHORS:
        return None
    shifts = _fill_shifts(shifts, peaks, pooled)
    rows = _matching_rows(peaks, shifts, pooled, config)
    rows = {s: rows.get(s, ()) for s in samples}
    return SharedModel(pooled, shifts, rows, _fitted_calibration(pooled, config))


def with_shared_anchors(
    tasks: Sequence[SampleTask], shared: SharedModel | None
) -> list[SampleTask]:
    """The tasks with their rows of the shared anchors marked (unchanged without any)."""
    if shared is None:
        return list(tasks)
    return [replace(t, borrowed_anchor_rows=shared.rows.get(t.sample, ())) for t in tasks]


def peak_frames(tasks: Sequence[SampleTask], jobs: int = 1) -> pd.DataFrame:
    """Every row of every table: ``sample, row, name, rt, volume, is_anchor, key`` (species
    key; empty for standards and names that do not parse); the rows a task's calibrants match
    are anchors too.  A table that cannot be read gives none: its analysis will report why.
    With ``jobs > 1`` the tables are read in a process pool."""
    if jobs > 1 and len(tasks) > 1 and pool_allowed():
        with sample_pool(jobs, len(tasks)) as pool:
            chunk = max(1, min(16, len(tasks) // (4 * jobs)))
            read = list(pool.map(_rows_of, tasks, chunksize=chunk))
    else:
        read = [_rows_of(task) for task in tasks]
    parts = [p for p in read if p is not None]
    if not parts:
        return pd.DataFrame(columns=["sample", "row", "name", "rt", "volume", "is_anchor", "key"])
    peaks = pd.concat(parts, ignore_index=True)
    peaks = peaks[np.isfinite(peaks["rt"].to_numpy(dtype=float))].reset_index(drop=True)
    names = composition_frame(peaks["name"])
    species = names["species"].fillna("").astype(str).reindex(peaks["name"]).to_numpy()
    standard = names["is_internal_standard"].astype(bool).reindex(peaks["name"]).to_numpy()
    for task in tasks:
        if task.calibrants is not None:
            _mark_calibrants(peaks, task, species, standard)
    peaks["key"] = np.where(standard, "", species)
    return peaks


def _rows_of(task: SampleTask) -> pd.DataFrame | None:
    try:
        frame = read_table(task.table).frame
    except GangliosideError:
        return None
    return pd.DataFrame(
        {
            "sample": task.sample,
            "row": frame["row"].to_numpy(dtype=np.int64),
            "name": frame["name"].astype(str).to_numpy(),
            "rt": frame["rt"].to_numpy(dtype=float),
            "volume": frame["volume"].to_numpy(dtype=float),
            "is_anchor": frame["is_anchor"].fillna(False).to_numpy(dtype=bool),
        }
    )


def _mark_calibrants(
    peaks: pd.DataFrame, task: SampleTask, species: np.ndarray, standard: np.ndarray
) -> None:
    """The rows of ``task``'s sample that its calibrants match become anchors (as ``analyze``
    will make them)."""
    assert task.calibrants is not None
    mine = np.flatnonzero((peaks["sample"] == task.sample).to_numpy())
    rt = peaks["rt"].to_numpy(dtype=float)[mine]
    volume = peaks["volume"].to_numpy(dtype=float)[mine]
    match = match_calibrants(
        task.calibrants, species[mine], standard[mine], rt, volume, species[mine] != ""
    )
    flags = peaks["is_anchor"].to_numpy(dtype=bool).copy()
    flags[mine] |= match.anchors
    peaks["is_anchor"] = flags


def anchor_shifts(anchors: pd.DataFrame, samples: Sequence[str]) -> pd.Series:
    """Each sample's RT shift (min) against the consensus of the anchor species it shares
    with other samples (species with one anchor per sample only); NaN for a sample that
    shares none.  The shifts are centred on their median."""
    counts = anchors.groupby(["key", "sample"]).size()
    most = counts.groupby(level="key").max()
    found = counts.groupby(level="key").size()
    shared_keys = most.index[(most == 1) & (found >= 2)]
    usable = anchors[anchors["key"].isin(shared_keys)]
    shift = pd.Series(0.0, index=list(samples))
    for _ in range(ROUNDS):
        corrected = usable["rt"] - shift.reindex(usable["sample"]).to_numpy()
        consensus = corrected.groupby(usable["key"]).median()
        diff = usable["rt"] - consensus.reindex(usable["key"]).to_numpy()
        shift = diff.groupby(usable["sample"]).median().reindex(list(samples)).fillna(0.0)
        shift -= shift.median()
    sharing = shift.index.isin(usable["sample"].unique())
    return shift.where(sharing).astype(float)


def pooled_anchors(anchors: pd.DataFrame, shifts: pd.Series, tolerance: float) -> pd.DataFrame:
    """The anchors on the common time scale, one per species and elution group."""
    known = np.isfinite(shifts.reindex(anchors["sample"]).to_numpy(dtype=float))
    mine = anchors[known].copy()
    if mine.empty:
        return pd.DataFrame(columns=list(POOLED_COLUMNS))
    mine["rt"] = mine["rt"] - shifts.reindex(mine["sample"]).to_numpy(dtype=float)
    mine = mine.sort_values(["key", "rt"], kind="stable").reset_index(drop=True)
    new_key = mine["key"].ne(mine["key"].shift())
    gap = mine["rt"].diff().fillna(np.inf) > tolerance
    mine["cluster"] = np.cumsum((new_key | gap).to_numpy())
    pooled = mine.groupby("cluster").agg(
        key=("key", "first"),
        name=("name", lambda s: s.mode().iat[0]),
        rt=("rt", "median"),
        volume=("volume", "median"),
        n_samples=("sample", "nunique"),
    )
    broadest = pooled.groupby("key")["n_samples"].transform("max")
    kept = pooled[pooled["n_samples"] >= STRAY_SHARE * broadest].reset_index(drop=True)
    kept = kept[list(POOLED_COLUMNS)]
    kept.attrs["contributors"] = int(mine["sample"].nunique())
    return kept


def _fill_shifts(shifts: pd.Series, peaks: pd.DataFrame, pooled: pd.DataFrame) -> pd.Series:
    """Shifts for the samples that share no anchor species: the median difference of their
    peaks of pooled species (one peak of a species anchored once in the pool) to the pool."""
    single = pooled.drop_duplicates("key", keep=False).set_index("key")["rt"]
    out = shifts.copy()
    for sample in shifts.index[~np.isfinite(shifts.to_numpy(dtype=float))]:
        mine = peaks[(peaks["sample"] == sample) & peaks["key"].isin(single.index)]
        mine = mine.drop_duplicates("key", keep=False)
        if len(mine) >= MIN_SHIFT_PEAKS:
            diff = mine["rt"].to_numpy(dtype=float) - single.reindex(mine["key"]).to_numpy()
            out[sample] = float(np.median(diff))
    return out


def _matching_rows(
    peaks: pd.DataFrame, shifts: pd.Series, pooled: pd.DataFrame, config: StudyConfig
) -> dict[str, tuple[int, ...]]:
    """Per sample (with a finite shift), its rows (not yet anchors) that are pooled anchors:
    same species, within ``rt_tolerance`` of the pooled RT after the sample's shift; the
    closest one for each.  All samples at once (one merge, not one per sample)."""
    shift = shifts.reindex(peaks["sample"]).to_numpy(dtype=float)
    mine = peaks.assign(shift=shift)[~peaks["is_anchor"].to_numpy(dtype=bool) & np.isfinite(shift)]
    candidates = mine[["sample", "row", "key", "rt", "shift"]].merge(
        pooled[["key", "rt"]].rename(columns={"rt": "pooled_rt"}).reset_index(names="anchor"),
        on="key",
    )
    distance = np.abs(candidates["rt"] - candidates["shift"] - candidates["pooled_rt"])
    close = candidates.assign(distance=distance)[distance <= config.rt_tolerance]
    close = close.sort_values("distance", kind="stable")
    close = close.drop_duplicates(["sample", "anchor"]).drop_duplicates(["sample", "row"])
    return {
        str(sample): tuple(sorted(int(r) for r in part))
        for sample, part in close.groupby("sample", sort=False)["row"]
    }


def _fitted_calibration(pooled: pd.DataFrame, config: StudyConfig) -> dict[str, Any] | None:
    """The RT model fitted on the pooled anchors, as a calibration file's content."""
    from ..pipeline import analyze

    table = pd.DataFrame(
        {
            "Name": pooled["name"].to_numpy(),
            "RT": pooled["rt"].to_numpy(dtype=float),
            "Volume": pooled["volume"].to_numpy(dtype=float),
            "Anchor": "T",
        }
    )
    try:
        result = analyze(table, config.analysis)
    except GangliosideError:
        return None
    if not result.calibration:
        return None
    return {**result.calibration, "source": f"study anchors ({len(pooled)} pooled)"}

"""The simulated table and its truth, assembled from the peaks of a run and shuffled."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .chemistry import expected_rt, nearest_expected
from .composition import cer_key, fragment_like_pairs, take, totals
from .fragments import lost_text
from .misannotations import Misannotations
from .names import canonical_names, names
from .parameters import Params
from .peaks import Peaks, concat_peaks

#: Columns of :attr:`SimulatedTable.table`, in order.
TABLE_COLUMNS = ("Name", "RT", "Volume", "Log P", "Anchor")
#: Columns of :attr:`SimulatedTable.truth`, in order.  The first three are the truth proper;
#: the others explain it (for failure analysis).
TRUTH_COLUMNS = (
    "row",
    "label",
    "parent_row",
    "kind",
    "species",
    "track",
    "expected_rt",
    "lost",
)
#: Truth labels.
LABELS = ("valid", "outlier", "fragment")


@dataclass(frozen=True)
class SimulatedTable:
    """A synthetic feature table and its truth.

    Attributes
    ----------
    table:
        Columns exactly ``Name, RT, Volume, Log P, Anchor`` (Anchor ``"T"``/``"F"``, Log P
        ``NaN`` where blanked), one row per peak, in a shuffled order.
    truth:
        One row per table row: ``row`` (1-based data row number), ``label`` (valid, outlier or
        fragment), ``parent_row`` (for fragments, the row of the root parent: the real species
        the fragment came from; ``<NA>`` otherwise), then explanations: ``kind`` (species,
        coeluting, wrong_name, rt_shift, fragment; ``coeluting`` is a real species within 0.02
        min of a larger one of the same ceramide), ``species`` (the real compound behind the
        peak), ``track`` (early/late for isomer-capable real peaks), ``expected_rt`` (noise-free
        RT of the annotated name: on its own track for a real species, on the nearest track
        otherwise) and ``lost`` (residues a fragment lost from its root).
    params:
        Every constant used for this table (knobs and per-seed chemistry), JSON-ready.
    """

    table: pd.DataFrame
    truth: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)

    def write(self, path: str | Path) -> tuple[Path, Path]:
        """Write the table as CSV at ``path`` and the truth next to it as ``<stem>.truth.csv``.

        Returns
        -------
        (table_path, truth_path)
        """
        path = Path(path)
        truth_path = path.with_name(f"{path.stem}.truth.csv")
        self.table.to_csv(path, index=False)
        self.truth.to_csv(truth_path, index=False)
        return path, truth_path


@dataclass(frozen=True)
class RunPeaks:
    """Every peak of a run, by kind, before shuffling."""

    valid: Peaks
    frags: Peaks  # ``species`` holds the index of the root peak in ``valid``
    wrong: Misannotations
    anchors: np.ndarray  # mask over ``valid``
    clear: bool  # whether the truth was kept decidable (no accidental fragment patterns)


def assemble(p: Params, rng: np.random.Generator, run: RunPeaks) -> SimulatedTable:
    """The shuffled table, its truth and the constants used."""
    peaks = concat_peaks([run.valid, run.frags, run.wrong.peaks])
    n = len(peaks)
    written = _written_names(p, rng, peaks)
    logp = peaks.logp.astype(float)
    if p.written_oxygen_logp is not None:  # the export's Log P: its own oxygen increment
        extra = p.written_oxygen_logp - p.logp_coef["oxygen"]
        logp = np.round(logp + extra * (peaks.oxy - 2), 2)
    if p.missing_logp_rate > 0:
        logp = np.where(rng.random(n) < p.missing_logp_rate, np.nan, logp)
    # Shuffle: row numbers are final positions.
    perm = rng.permutation(n)
    is_anchor = np.concatenate([run.anchors, np.zeros(n - len(run.valid), dtype=bool)])
    table = pd.DataFrame(
        {
            "Name": written[perm],
            "RT": np.round(peaks.rt[perm], 3),
            "Volume": peaks.volume[perm].astype(np.int64),
            "Log P": logp[perm],
            "Anchor": np.where(is_anchor[perm], "T", "F"),
        }
    )
    params = p.to_dict()
    params["n_rows"] = n
    params["decidable"] = bool(run.clear)
    return SimulatedTable(table=table, truth=_truth(p, run, peaks, perm), params=params)


def _written_names(p: Params, rng: np.random.Generator, peaks: Peaks) -> np.ndarray:
    """Names as exported, with stacked modifications sometimes written in another order."""
    mods = ("oac", "dhex", "hex", "hexnac", "neugc")
    n_mods = sum((peaks.comp[k] > 0).astype(int) for k in mods)
    reverse = (n_mods >= 2) & (rng.random(len(peaks)) < p.noncanonical_rate)
    return names(peaks.comp, peaks.carbons, peaks.db, peaks.oxy, reverse)


def _truth(p: Params, run: RunPeaks, peaks: Peaks, perm: np.ndarray) -> pd.DataFrame:
    nv, nf, no = len(run.valid), len(run.frags), len(run.wrong.peaks)
    n = nv + nf + no
    label = np.repeat(np.array(["valid", "fragment", "outlier"], dtype=object), [nv, nf, no])
    species = canonical_names(peaks.comp, peaks.carbons, peaks.db, peaks.oxy)
    species[nv + nf :] = run.wrong.true_names
    lost = np.full(n, "", dtype=object)
    lost[nv : nv + nf] = lost_text(take(run.valid.comp, run.frags.species), run.frags.comp)
    # Real species: where they elute on their own track; others: the nearest track of the name.
    expected = np.where(
        label == "valid",
        expected_rt(p, peaks.comp, peaks.logp, np.maximum(peaks.track, 0)),
        nearest_expected(p, peaks.comp, peaks.logp, peaks.rt),
    )
    track_text = np.select([peaks.track == 0, peaks.track == 1], ["early", "late"], "")
    root = np.concatenate([np.full(nv, -1), run.frags.species, np.full(no, -1)])
    return pd.DataFrame(
        {
            "row": np.arange(1, n + 1, dtype=np.int64),
            "label": label[perm],
            "parent_row": _parent_rows(root, perm),
            "kind": _kinds(run)[perm],
            "species": species[perm],
            "track": track_text[perm].astype(object),
            "expected_rt": np.round(expected[perm], 4),
            "lost": lost[perm],
        }
    )


def _kinds(run: RunPeaks) -> np.ndarray:
    """Why each peak is there: species, coeluting, fragment, rt_shift or wrong_name."""
    valid = run.valid
    species_kind = np.full(len(valid), "species", dtype=object)
    # Real species that co-elute with a larger one within the default fragment window: the
    # analysis must keep them (they are too abundant to be fragments).
    if run.clear and len(valid):
        sub, _ = fragment_like_pairs(
            cer_key(valid.carbons, valid.db, valid.oxy), valid.rt, totals(valid.comp), 0.02
        )
        species_kind[sub] = "coeluting"
    return np.concatenate(
        [
            species_kind,
            np.full(len(run.frags), "fragment", dtype=object),
            np.where(run.wrong.shifted == 1, "rt_shift", "wrong_name").astype(object),
        ]
    )


def _parent_rows(root: np.ndarray, perm: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Per shuffled row, the row of the root parent (``<NA>`` for a peak without one)."""
    n = len(root)
    row_of = np.empty(n, dtype=np.int64)
    row_of[perm] = np.arange(1, n + 1)
    parent_row = pd.array(np.where(root >= 0, row_of[np.maximum(root, 0)], 0), dtype="Int64")
    parent_row[root < 0] = pd.NA
    return parent_row[perm]

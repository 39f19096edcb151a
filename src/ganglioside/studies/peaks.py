"""The peaks of every sample in one long table, each with the species key it is aligned by."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..names import composition_frame
from .run import STUDY_INPUT_COLUMNS

#: Columns of the peak table, after :data:`~.run.STUDY_INPUT_COLUMNS`.
KEY_COLUMNS = ("sample", "species", "is_standard", "key")


def peak_table(compounds: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Every row of every sample: the study input columns plus ``sample``, ``species`` (the
    normalised name, e.g. ``GM3 36:1;O2``, whatever the dialect it was written in; empty when
    the name does not parse), ``is_standard`` (a labelled internal standard) and ``key``
    (species and standard mark: what is compared across samples; the isomer track is told by
    the RT, since a sample without anchored isomers may label its tracks differently).

    Raises
    ------
    KeyError
        When a compounds frame lacks one of :data:`~.run.STUDY_INPUT_COLUMNS`.
    """
    columns = {sample: _columns(sample, frame) for sample, frame in compounds.items()}
    if not columns:
        return pd.DataFrame(columns=[*STUDY_INPUT_COLUMNS, *KEY_COLUMNS])
    peaks = _joined(columns)
    if peaks is None:  # columns of different kinds across the samples: pandas decides
        parts = [pd.DataFrame({"sample": s, **c}) for s, c in columns.items()]
        peaks = pd.concat(parts, ignore_index=True)
    names = composition_frame(peaks["name"].astype(str))
    species = names["species"].fillna("").astype(str)
    standard = names["is_internal_standard"].astype(bool)
    peaks["species"] = species.reindex(peaks["name"].astype(str)).to_numpy()
    peaks["is_standard"] = standard.reindex(peaks["name"].astype(str)).to_numpy()
    peaks["isomer_track"] = peaks["isomer_track"].fillna("").astype(str)
    peaks["status"] = peaks["status"].astype(str)
    peaks["is_anchor"] = peaks["is_anchor"].fillna(False).astype(bool)
    peaks["category"] = peaks["category"].fillna("").astype(str)
    peaks["key"] = _keys(peaks)
    return peaks


def _columns(sample: str, frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """The study input columns of one sample's compounds, as plain arrays."""
    missing = [c for c in STUDY_INPUT_COLUMNS if c not in frame.columns]
    if missing:
        raise KeyError(f"the compounds of sample {sample!r} lack {', '.join(missing)}")
    out = {c: _plain(frame[c]) for c in STUDY_INPUT_COLUMNS}
    if "identification_level" in frame.columns:  # read by the mzTab-M reliability
        out["identification_level"] = _plain(frame["identification_level"])
    return out


def _joined(columns: Mapping[str, dict[str, np.ndarray]]) -> pd.DataFrame | None:
    """The samples' columns joined into one frame, built once (the frame a concatenation of
    one frame per sample gives); ``None`` unless every sample has the same columns of the same
    types, their texts all texts (then each sample's frame and the joined one infer alike)."""
    first = next(iter(columns.values()))
    for arrays in columns.values():
        if list(arrays) != list(first):
            return None
        for name, values in arrays.items():
            if values.dtype != first[name].dtype:
                return None
            if values.dtype == object and pd.api.types.infer_dtype(values, skipna=False) != (
                "string"
            ):
                return None
    lengths = [len(arrays["row"]) for arrays in columns.values()]
    joined = {"sample": np.repeat(np.array(list(columns), dtype=object), lengths)}
    for name in first:
        joined[name] = np.concatenate([arrays[name] for arrays in columns.values()])
    return pd.DataFrame(joined)


def _plain(column: pd.Series) -> np.ndarray:
    """A column as a plain array (categoricals and nullable types undone)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.astype(object).to_numpy()
    if pd.api.types.is_extension_array_dtype(column.dtype):
        kind = column.dtype.kind if hasattr(column.dtype, "kind") else "O"
        return column.to_numpy(dtype=float if kind in "iuf" else object, na_value=np.nan)
    return column.to_numpy()


def _keys(peaks: pd.DataFrame) -> np.ndarray:
    """The species with a ``|IS`` mark for standards; empty for unparsed names."""
    species = peaks["species"].to_numpy(dtype=object)
    mark = np.where(peaks["is_standard"].to_numpy(dtype=bool), "|IS", "")
    return np.where(species == "", "", species + mark)

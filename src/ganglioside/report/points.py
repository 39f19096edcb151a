"""What every point figure shares: how each kind of row is drawn, hover labels, marker traces.

Every text that comes from the data (names, reasons) is HTML-escaped before it reaches a hover
label, because Plotly reads a subset of HTML in labels and names come from user files.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .density import marker_trace
from .figure_json import Spec


@dataclass(frozen=True)
class PointStyle:
    """How one kind of row is drawn."""

    label: str
    color: str
    symbol: str
    size: int
    glyph: str  # the same shape as a text character, for HTML legends


#: Point styles by class (a row's status, with valid anchors apart).  Okabe-Ito colours, and a
#: distinct symbol for each class, so the plot reads without colour too.
POINT_STYLES: dict[str, PointStyle] = {
    "anchor": PointStyle("anchor (confirmed standard)", "#0072B2", "diamond", 11, "◆"),
    "valid": PointStyle("valid", "#009E73", "circle", 9, "●"),
    "unverified": PointStyle("unverified (no model)", "#E69F00", "square", 9, "■"),
    "outlier": PointStyle("outlier", "#D55E00", "x", 11, "✖"),
    "fragment": PointStyle("in-source fragment", "#6E6E6E", "triangle-down", 10, "▼"),
    "invalid": PointStyle("invalid", "#000000", "asterisk-open", 9, "✳"),
    "istd": PointStyle("labelled internal standard", "#CC79A7", "star", 10, "★"),
}

#: Bar colours of the abundance charts, by ganglioside category.
CATEGORY_COLORS: dict[str, str] = {
    "GA": "#7f7f7f",
    "GM": "#1f77b4",
    "GD": "#ff7f0e",
    "GT": "#2ca02c",
    "GQ": "#d62728",
    "GP": "#9467bd",
}

_TEMPLATE = "plotly_white"

_FONT = {"family": "Inter, 'Segoe UI', Helvetica, Arial, sans-serif", "size": 13}


# -- helpers ---------------------------------------------------------------------------------


def esc(value: object) -> str:
    """HTML-escape a data value for a Plotly label (missing values become an empty string)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return html.escape(str(value), quote=True)


def _num(value: object, spec: str) -> str:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "–"
    return "–" if not np.isfinite(number) else format(number, spec)


def _finite(series: pd.Series) -> pd.Series:
    return pd.Series(
        np.isfinite(pd.to_numeric(series, errors="coerce").astype(float)), series.index
    )


def point_class(compounds: pd.DataFrame) -> pd.Series:
    """Class of each row for drawing: its status, or ``anchor`` for a valid anchor."""
    status = compounds["status"].astype(str)
    anchor = compounds["is_anchor"].astype("boolean").fillna(False).astype(bool)
    return status.where(~(anchor & (status == "valid")), "anchor")


def _shorten(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def hover_labels(compounds: pd.DataFrame) -> list[str]:
    """One hover label per row: row, name, status, RT, Log P, prediction, z and reasons."""
    labels = []
    for rec in compounds.to_dict(orient="records"):
        flag = rec.get("is_anchor")
        # A missing flag (NaN) is truthy in Python; only a real True marks an anchor.
        anchor = " · anchor" if isinstance(flag, bool | np.bool_) and flag else ""
        lines = [
            f"<b>{esc(rec.get('name'))}</b>",
            f"row {esc(rec.get('row'))} · {esc(rec.get('status'))}{anchor}",
            f"RT {_num(rec.get('rt'), '.3f')} min · Log P {_num(rec.get('log_p'), '.2f')}",
            f"predicted {_num(rec.get('predicted_rt'), '.3f')} min · "
            f"residual {_num(rec.get('residual'), '+.3f')} · z {_num(rec.get('z'), '+.2f')}",
        ]
        track = esc(rec.get("isomer_track"))
        if track:
            lines.append(f"isomer track {track}")
        parent = rec.get("fragment_parent")
        if parent is not None and _num(parent, ".0f") != "–":
            lost = esc(rec.get("fragment_lost"))
            text = f"fragment of row {_num(parent, '.0f')}"
            lines.append(f"{text}, lost {lost}" if lost else text)
        reasons = str(rec.get("reasons") or "")
        if reasons and reasons != "nan":
            for reason in reasons.split("; ")[:4]:  # the separator; "36:1;O2" stays whole
                lines.append(f"<i>{esc(_shorten(reason.strip()))}</i>")
        labels.append("<br>".join(lines))
    return labels


def _labels(frame: pd.DataFrame) -> list[str]:
    """Hover labels, taken from a precomputed ``_hover`` column where the caller made one."""
    if "_hover" not in frame.columns:
        return hover_labels(frame)
    labels = frame["_hover"].tolist()
    missing = [i for i, label in enumerate(labels) if not label]
    if missing:
        for i, label in zip(missing, hover_labels(frame.iloc[missing]), strict=True):
            labels[i] = label
    return labels


def _empty_spec(title: str, message: str) -> Spec:
    note = {"text": esc(message), "showarrow": False, "x": 0.5, "y": 0.5, "xref": "paper",
            "yref": "paper"}  # fmt: skip
    layout = {
        "title": {"text": title}, "template": _TEMPLATE, "font": _FONT, "height": 320,
        "xaxis": {"visible": False}, "yaxis": {"visible": False}, "annotations": [note],
        "meta": {"aggregated": ""},
    }  # fmt: skip
    return {"data": [], "layout": layout}


def _axis_values(series: pd.Series) -> Any:
    """Numbers as a float array; categories (group keys) as escaped text."""
    if pd.api.types.is_numeric_dtype(series.dtype):
        return series.to_numpy(dtype=float)
    return [esc(v) for v in series]


def _point_traces(frame: pd.DataFrame, x: str, y: str, *, visible: bool = True) -> list[Any]:
    # The caller may have classed every row once (``_class``), faster than per group.
    classes = (frame["_class"] if "_class" in frame.columns else point_class(frame)).to_numpy()
    xs = np.asarray(_axis_values(frame[x]))
    ys = np.asarray(_axis_values(frame[y]))
    labels = np.asarray(_labels(frame), dtype=object)
    traces = []
    for cls, style in POINT_STYLES.items():
        part = classes == cls
        if not part.any():
            continue
        traces.append(
            marker_trace(
                # Plain lists: the web pages count the points of these traces.
                x=xs[part].tolist(),
                y=ys[part].tolist(),
                mode="markers",
                name=f"{style.label} ({int(part.sum())})",
                legendgroup=cls,
                marker={
                    "color": style.color,
                    "symbol": style.symbol,
                    "size": style.size,
                    "line": {"width": 0.6, "color": "white"} if "open" not in style.symbol else {},
                },
                hovertext=labels[part].tolist(),
                hovertemplate="%{hovertext}<extra></extra>",
                visible=visible,
            )
        )
    return traces

"""HTML tables of the report: cells formatted by column (numbers right-aligned, codes wrapped,
statuses as badges), everything escaped, long tables cut with a note naming the file that holds
every row."""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pandas as pd

from .plots import POINT_STYLES

#: Most rows shown in one HTML table; the CSV and the workbook always hold every row.
MAX_TABLE_ROWS = 2000


_FORMATS: dict[str, str] = {
    "rt": ".3f",
    "predicted_rt": ".3f",
    "residual": "+.3f",
    "pi_low": ".3f",
    "pi_high": ".3f",
    "delta_rt": "+.3f",
    "fragment_delta_rt": "+.3f",
    "oac_shift": "+.3f",
    "log_p": ".2f",
    "log_p_expected": ".2f",
    "z": "+.2f",
    "slope": ".3f",
    "slope_se": ".3f",
    "r2": ".3f",
    "q2": ".3f",
    "rmse_loo": ".3f",
    "mae_loo": ".3f",
    "residual_sd": ".3f",
    "volume": ",.0f",
    "volume_consolidated": ",.0f",
    "parent_volume": ",.0f",
    "fragment_volume": ",.0f",
    "volume_not_quantified": ",.0f",
    "volume_ratio": ".2f",
    "percent": ".1f",
    "mass": ".4f",
    "mz_h": ".4f",
    "mz_2h": ".4f",
}

#: Columns holding semicolon-separated lists; a space after each ``;`` lets them wrap.
_LIST_COLUMNS = frozenset({"reasons", "warnings", "evidence", "intercepts", "tracks"})
#: Columns whose codes are joined by a bare ";" (a name such as GT1(36:1;O2) never is one).
_CODE_LIST_COLUMNS = frozenset({"warnings", "evidence"})


def escape(value: object) -> str:
    """``value`` as text safe in HTML (quotes escaped too)."""
    return html.escape(str(value), quote=True)


def is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and np.isnan(value)


def table_cell(column: str, value: object) -> str:
    """One ``<td>``: numbers formatted and right-aligned, text escaped."""
    if is_missing(value):
        return "<td></td>"
    if isinstance(value, bool | np.bool_):
        return f"<td>{'yes' if value else 'no'}</td>"
    if isinstance(value, int | np.integer):
        return f'<td class="num">{int(value)}</td>'
    if isinstance(value, float | np.floating):
        spec = _FORMATS.get(column, ".4g")
        return f'<td class="num">{escape(format(float(value), spec))}</td>'
    if column == "status" and str(value) in POINT_STYLES:
        color = POINT_STYLES[str(value)].color
        return f'<td><span class="badge" style="--c:{color}">{escape(value)}</span></td>'
    text = str(value)
    if column in _CODE_LIST_COLUMNS:  # codes joined by ";" (reasons already use "; ")
        text = text.replace(";", "; ").replace(";  ", "; ")
    css = ' class="wrap"' if len(text) > 40 else ""
    return f"<td{css}>{escape(text)}</td>"


def html_table(
    frame: pd.DataFrame,
    table_id: str | None = None,
    limit: int | None = None,
    more: str = "compounds.csv",
) -> str:
    """``frame`` as an escaped HTML table of at most ``limit`` rows (:data:`MAX_TABLE_ROWS`
    by default); below a longer table, "…and N more rows" names the file ``more`` that holds
    them all."""
    if frame.empty:
        return '<p class="ok">None.</p>'
    shown = frame.head(MAX_TABLE_ROWS if limit is None else limit)
    columns = [str(c) for c in shown.columns]
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "\n".join(
        "<tr>" + "".join(table_cell(c, v) for c, v in zip(columns, rec, strict=True)) + "</tr>"
        for rec in shown.itertuples(index=False, name=None)
    )
    ident = f' id="{escape(table_id)}"' if table_id else ""
    note = ""
    if len(frame) > len(shown):
        hidden = len(frame) - len(shown)
        note = (
            f'<p class="more">…and {hidden:,} more {"row" if hidden == 1 else "rows"} (the first '
            f"{len(shown):,} of {len(frame):,} are shown); every row is in {escape(more)}.</p>"
        )
    return (
        f'<div class="tablewrap"><table{ident}><thead><tr>{head}</tr></thead>'
        f"<tbody>\n{body}\n</tbody></table></div>{note}"
    )


def key_values_table(pairs: list[tuple[str, Any]], header: tuple[str, str]) -> str:
    """Key-value pairs as a two-column table, the values as even text."""
    frame = pd.DataFrame(pairs, columns=list(header))
    frame[header[1]] = [_as_text(v) for v in frame[header[1]]]
    return html_table(frame)


def _as_text(value: object) -> str:
    """A key-value cell as text, so that a column mixing numbers and words reads evenly."""
    if is_missing(value):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return format(value, ".6g")
    return str(value)

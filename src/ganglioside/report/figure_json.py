"""Figure dictionaries: built by :mod:`ganglioside.report.plots`, embedded by the HTML report.

A figure dictionary (:data:`Spec`) is what plotly.js reads: ``{"data": [trace, ...],
"layout": {...}}``, each trace a dictionary with its ``type``.  :func:`figure` turns one into a
Plotly ``Figure`` (validated, for notebooks and the web pages); :func:`figure_html` writes it as
a ``<div>`` and a script for the report without building Plotly's objects, which is several times
faster.  Numbers in numpy arrays are sent as base64 typed arrays (``{"dtype": "f8", "bdata":
...}``, as Plotly itself does), text is escaped so that no ``</script>`` can close the script
early, and the layout's named template is sent once for the whole page
(:func:`template_script`).
"""

from __future__ import annotations

import base64
import json
import math
from functools import lru_cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

#: A plotly.js figure: ``{"data": [...], "layout": {...}}``.
Spec = dict[str, Any]

#: numpy dtypes plotly.js reads as typed arrays, and their short names.
_TYPED = {
    "float64": "f8",
    "float32": "f4",
    "int32": "i4",
    "int16": "i2",
    "int8": "i1",
    "uint32": "u4",
    "uint16": "u2",
    "uint8": "u1",
}
_TEMPLATE_VARIABLE = "ganglioside_template"


def trace(kind: str, **attributes: Any) -> dict[str, Any]:
    """One trace dictionary of plotly.js type ``kind`` (``scatter``, ``bar``, ``heatmap`` ...)."""
    return {"type": kind, **attributes}


def figure(spec: Spec) -> go.Figure:
    """The figure dictionary as a Plotly ``Figure`` (Plotly is imported here)."""
    import plotly.graph_objects as go

    return go.Figure(spec)


def _typed(array: np.ndarray) -> Any:
    """A numpy array as a plotly.js typed array, or a list where plotly.js has no such type."""
    if array.size == 0:
        return []
    if array.dtype == np.int64:
        low, high = int(array.min()), int(array.max())
        for small in (np.int8, np.int16, np.int32):
            if np.iinfo(small).min <= low and high <= np.iinfo(small).max:
                array = array.astype(small)
                break
    short = _TYPED.get(str(array.dtype))
    if short is None:
        return [plain(v) for v in array.tolist()]
    spec = {
        "dtype": short,
        "bdata": base64.b64encode(np.ascontiguousarray(array).tobytes()).decode(),
    }
    if array.ndim > 1:
        spec["shape"] = ", ".join(str(n) for n in array.shape)
    return spec


def plain(value: Any) -> Any:
    """``value`` as JSON-ready data: arrays typed, numpy scalars plain, NaN as None."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, pd.Series | pd.Index):
        value = value.to_numpy()
    if isinstance(value, np.ndarray):
        return _typed(value)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _script_json(value: Any) -> str:
    """JSON that is safe inside ``<script>``: ``<`` written as ``\\u003c``."""
    return json.dumps(plain(value), ensure_ascii=False, separators=(",", ":")).replace(
        "<", "\\u003c"
    )


@lru_cache(maxsize=1)
def _template(name: str) -> str:
    """The JSON of one of Plotly's named templates, read from its package data."""
    path = files("plotly") / "package_data" / "templates" / f"{name}.json"
    return path.read_text(encoding="utf-8")


def template_script(name: str = "plotly_white") -> str:
    """A script that defines the page's template once, for :func:`figure_html`."""
    body = json.loads(_template(name))
    return f"var {_TEMPLATE_VARIABLE} = {_script_json(body)};"


def figure_html(div_id: str, spec: Spec, config: dict[str, Any]) -> str:
    """A ``<div>`` and the script that draws ``spec`` in it (plotly.js and the template
    script must be on the page).  A named layout template becomes the page's template."""
    layout = dict(spec.get("layout", {}))
    named = layout.pop("template", None)
    data = _script_json({"data": spec.get("data", []), "layout": layout})
    height = layout.get("height")
    style = f"height:{int(height)}px; width:100%;" if height else "height:100%; width:100%;"
    template = f"f.layout.template = {_TEMPLATE_VARIABLE};" if named else ""
    return (
        f'<div><div id="{div_id}" class="plotly-graph-div" style="{style}"></div>'
        '<script type="text/javascript">(function () {'
        f"var f = {data}; {template}"
        f'Plotly.newPlot("{div_id}", f.data, f.layout, {_script_json(config)});'
        "})();</script></div>"
    )

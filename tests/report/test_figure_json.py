"""Figure dictionaries written into the report: typed arrays, escaping, template."""

from __future__ import annotations

import base64
import json
import re

import numpy as np
import plotly.graph_objects as go

from ganglioside.report.figure_json import figure, figure_html, plain, template_script, trace


def test_numbers_in_arrays_are_sent_as_typed_arrays_that_decode_to_the_same_values():
    values = np.array([7.588, -0.85, np.nan, 1e300])
    spec = plain({"x": values, "n": np.array([1, 2, 300], dtype=np.int64)})
    assert spec["x"]["dtype"] == "f8"
    decoded = np.frombuffer(base64.b64decode(spec["x"]["bdata"]), dtype=np.float64)
    np.testing.assert_array_equal(decoded, values)
    assert spec["n"]["dtype"] == "i2"  # 64-bit integers narrowed as Plotly does
    grid = plain(np.zeros((3, 4), dtype=np.float32))
    assert grid["shape"] == "3, 4" and grid["dtype"] == "f4"


def test_other_values_become_plain_json():
    assert plain({"a": [np.float64(1.5), float("nan"), np.int32(3)], "b": np.array(["x"])}) == {
        "a": [1.5, None, 3],
        "b": ["x"],
    }


def test_the_script_cannot_be_closed_by_text_from_the_data():
    spec = {"data": [trace("scatter", x=[1], y=[2], name="</script><script>alert(1)</script>")],
            "layout": {"height": 300, "template": "plotly_white"}}  # fmt: skip
    html = figure_html("plot-x", spec, {"displaylogo": False})
    assert "</script><script>alert(1)" not in html
    assert html.count("</script>") == 1
    assert 'id="plot-x"' in html and "height:300px" in html
    payload = re.search(r"var f = (\{.*?\}); f\.layout", html).group(1)
    assert json.loads(payload)["data"][0]["name"] == "</script><script>alert(1)</script>"


def test_the_template_is_defined_once_for_the_page_and_figures_are_valid_plotly():
    script = template_script()
    assert script.startswith("var ganglioside_template = {")
    spec = {"data": [trace("heatmap", z=np.ones((2, 2)))], "layout": {"template": "plotly_white"}}
    assert isinstance(figure(spec), go.Figure)
    assert "f.layout.template = ganglioside_template" in figure_html("p", spec, {})

"""The report writers: compounds.csv, summary.json, workbook.xlsx, report.html and the plots."""

from __future__ import annotations

import html
import io
import json
import math
import os
import re
import shutil
from dataclasses import replace

import numpy as np
import openpyxl
import pandas as pd
import pytest

import ganglioside
from ganglioside.config import AnalysisConfig
from ganglioside.report import (
    OUTPUTS,
    SHEETS,
    abundance_figure,
    abundance_table,
    compounds_csv,
    fragments_csv,
    neutralise,
    observed_predicted_figure,
    report_html,
    residual_figure,
    rt_logp_figure,
    safe_frame,
    summary_document,
    summary_json,
    workbook_bytes,
    write_all,
)
from ganglioside.report.plots import CATEGORY_COLORS, POINT_STYLES, hover_labels
from ganglioside.report.safe import is_text_column
from ganglioside.result import COMPOUND_COLUMNS, AnalysisResult
from tests.conftest import (
    FORMULA_NAME,
    INTERCEPT_GD1,
    SLOPE,
    XSS_NAME,
    build_analysis,
    build_compounds,
)

# -- safe exports -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+cmd", "'+cmd"),
        ("-NeuAc", "'-NeuAc"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("GD1(36:1;O2)", "GD1(36:1;O2)"),
        ("-0.85", "-0.85"),
        ("+1.5e3", "+1.5e3"),
        ("", ""),
        (-0.85, -0.85),
        (3, 3),
        (None, None),
    ],
)
def test_neutralise_quotes_formula_text_and_leaves_numbers(value, expected):
    assert neutralise(value) == expected


def test_safe_frame_keeps_numeric_columns_untouched():
    frame = pd.DataFrame({"x": [-1.5, 2.0], "name": ["=A1", "ok"], "flag": [True, False]})
    safe = safe_frame(frame)
    assert safe["x"].tolist() == [-1.5, 2.0]
    assert safe["x"].dtype == frame["x"].dtype
    assert safe["name"].tolist() == ["'=A1", "ok"]
    assert safe["flag"].tolist() == [True, False]
    assert frame["name"].tolist() == ["=A1", "ok"]  # the input is not mutated


# -- write_all and the bytes forms -------------------------------------------------------------


def test_write_all_writes_the_default_outputs(small_analysis, tmp_path):
    paths = write_all(small_analysis, tmp_path / "out")
    assert sorted(paths) == ["compounds.csv", "fragments.csv", "report.html", "summary.json"]
    for name, path in paths.items():
        assert path == tmp_path / "out" / name
        assert path.stat().st_size > 0


def test_write_all_writes_every_output_asked_for(small_analysis, tmp_path):
    paths = write_all(small_analysis, tmp_path, outputs=("xlsx", "parquet", "csv"))
    # In the order of OUTPUTS, whatever the order asked.
    assert list(paths) == ["compounds.csv", "workbook.xlsx", "compounds.parquet"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(paths)


def test_write_all_reports_progress_per_file(small_analysis, tmp_path):
    calls = []
    write_all(small_analysis, tmp_path, progress=lambda *a: calls.append(a))
    starts = [c[2] for c in calls if c[2].startswith("writing ")]
    assert starts == [
        "writing compounds.csv",
        "writing fragments.csv",
        "writing summary.json",
        "writing report.html",
    ]
    fractions = [c[1] for c in calls]
    assert fractions == sorted(fractions) and fractions[0] == 0.0
    assert calls[-1] == ("outputs", 1.0, "done")
    assert {c[0] for c in calls} == {"outputs"}


@pytest.mark.slow
def test_every_output_renders_as_bytes_what_its_writer_writes(small_analysis, tmp_path):
    rendered = {o.name: o.render(small_analysis) for o in OUTPUTS.values()}
    written = {
        o.name: o.write(small_analysis, tmp_path / o.filename).read_bytes()
        for o in OUTPUTS.values()
    }
    assert rendered["csv"].decode("utf-8") == compounds_csv(small_analysis)
    for name in ("csv", "fragments"):
        assert rendered[name] == written[name]
    # the others stamp their creation time (the file of summary.json ends with a newline)
    assert json.loads(rendered["json"])["source"] == json.loads(written["json"])["source"]
    assert json.loads(rendered["json"])["source"] == "hand_built.csv"
    for name, magic in (("xlsx", b"PK"), ("parquet", b"PAR1"), ("pdf", b"%PDF-")):
        assert rendered[name].startswith(magic) and written[name].startswith(magic)
    assert rendered["html"].startswith(b"<!DOCTYPE html>") and written["html"].startswith(
        b"<!DOCTYPE html>"
    )


# -- compounds.csv ---------------------------------------------------------------------------


def test_compounds_csv_round_trips_the_compounds_frame(small_analysis):
    back = pd.read_csv(io.StringIO(compounds_csv(small_analysis)))
    original = small_analysis.compounds
    assert list(back.columns) == [*COMPOUND_COLUMNS, "Comment"]
    assert back["row"].tolist() == original["row"].tolist()
    for column in ("rt", "volume", "log_p", "predicted_rt", "residual", "z", "pi_low", "mass"):
        np.testing.assert_allclose(back[column], original[column], equal_nan=True)
    assert back.loc[back["row"] == 4, "log_p"].item() == -0.85
    assert back.loc[back["row"] == 4, "residual"].item() < 0
    assert back["is_anchor"].tolist() == original["is_anchor"].tolist()
    assert back.loc[back["row"] == 1, "name"].item() == "GD1(36:1;O2)"


def test_compounds_csv_neutralises_formula_like_text(small_analysis):
    back = pd.read_csv(io.StringIO(compounds_csv(small_analysis)), dtype={"Comment": str})
    assert back.loc[back["row"] == 8, "name"].item() == "'" + FORMULA_NAME
    assert back.loc[back["row"] == 9, "warnings"].item() == "'@SUM(1+1)"
    assert back.loc[back["row"] == 2, "Comment"].item() == "'+cmd|' /C calc'!A0"
    assert back.loc[back["row"] == 5, "fragment_lost"].item() == "NeuAc"
    # A text cell holding a plain negative number is a number to a spreadsheet, not a formula.
    assert back.loc[back["row"] == 4, "Comment"].item() == "-2"


# -- summary.json -----------------------------------------------------------------------------


def _strict_loads(text: str):
    def refuse(constant: str):
        raise ValueError(f"non-standard JSON constant {constant}")

    return json.loads(text, parse_constant=refuse)


def test_summary_json_is_strict_json_with_parameters_and_version(small_analysis):
    document = _strict_loads(summary_json(small_analysis))
    assert document["software"] == {"name": "ganglioside", "version": ganglioside.__version__}
    assert document["config"] == small_analysis.config.to_dict()
    assert document["config"]["outlier_z"] == 2.5
    assert document["source"] == "hand_built.csv"
    assert document["summary"]["undefined_ratio"] is None  # NaN became null
    assert document["summary"]["by_category"] == {"GD": 5, "GM": 1, "GT": 1}
    assert document["counts"] == {
        "valid": 5,
        "outlier": 1,
        "fragment": 1,
        "unverified": 1,
        "invalid": 1,
        "istd": 0,
        "anchors": 2,
        "total": 9,
    }
    assert document["warnings"] == small_analysis.warnings


def test_summary_json_lists_models_and_counts_fragment_events(small_analysis):
    document = summary_document(small_analysis)
    assert document["schema_version"] == 2
    assert document["models"] == [m.to_dict() for m in small_analysis.models]
    assert document["models"][0]["intercepts"]["GD1"] == {"value": INTERCEPT_GD1, "se": 0.03}
    # The events themselves are in fragments.csv: summary.json does not grow with the rows.
    assert document["fragments"] == {"events": 1, "file": "fragments.csv"}


def test_fragments_csv_lists_the_events_with_formulas_neutralised(small_analysis):
    back = pd.read_csv(io.StringIO(fragments_csv(small_analysis)))
    assert back[["parent_row", "fragment_row"]].values.tolist() == [[1, 5]]
    assert back["lost"].tolist() == ["NeuAc"]


def test_summary_json_turns_numpy_values_and_infinities_into_plain_json():
    analysis = build_analysis()
    analysis.summary = {
        "ratio": np.float64("inf"),
        "n": np.int64(3),
        "flags": np.array([True, False]),
        "nested": [{"v": float("nan")}],
    }
    document = _strict_loads(summary_json(analysis))
    assert document["summary"] == {
        "ratio": None,
        "n": 3,
        "flags": [True, False],
        "nested": [{"v": None}],
    }


# -- workbook.xlsx ----------------------------------------------------------------------------


def _read_book(analysis: AnalysisResult) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(workbook_bytes(analysis)))


def _sheet_records(sheet) -> list[dict]:
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, r, strict=True)) for r in rows[1:]]


def test_workbook_has_the_six_sheets_with_a_frozen_styled_header(small_analysis):
    book = _read_book(small_analysis)
    assert book.sheetnames == list(SHEETS)
    assert SHEETS == ("Compounds", "Models", "Fragments", "Categories", "Summary", "Parameters")
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet["A1"].font.bold


def test_workbook_neutralises_formula_names_and_keeps_numbers_numeric(small_analysis):
    sheet = _read_book(small_analysis)["Compounds"]
    records = {r["row"]: r for r in _sheet_records(sheet)}
    assert len(records) == 9
    assert records[8]["name"] == "'" + FORMULA_NAME
    assert records[2]["Comment"] == "'+cmd|' /C calc'!A0"
    assert records[5]["fragment_lost"] == "NeuAc"
    assert records[4]["log_p"] == -0.85
    assert isinstance(records[4]["residual"], float) and records[4]["residual"] < 0
    assert math.isclose(records[4]["z"], small_analysis.compounds.loc[3, "z"])
    assert records[1]["is_anchor"] is True
    assert records[7]["log_p"] is None  # NaN is an empty cell
    for cell in sheet[1] + tuple(c for row in sheet.iter_rows(min_row=2) for c in row):
        assert cell.data_type != "f", f"{cell.coordinate} was stored as a formula"


def test_workbook_models_fragments_categories_and_parameters_hold_the_analysis(small_analysis):
    book = _read_book(small_analysis)
    models = _sheet_records(book["Models"])
    assert len(models) == 1 and models[0]["slope"] == SLOPE and models[0]["level"] == "pooled"
    fragments = _sheet_records(book["Fragments"])
    assert [(f["parent_row"], f["fragment_row"]) for f in fragments] == [(1, 5)]
    categories = {(r["level"], r["key"]): r for r in _sheet_records(book["Categories"])}
    # Only valid rows are quantified; fragments (GM1) and invalid rows never count on their own.
    assert {key for level, key in categories if level == "category"} == {"GD", "GT"}
    assert {key for level, key in categories if level == "headgroup"} == {"GD1", "GT1"}
    gd = categories[("category", "GD")]
    assert (gd["rows"], gd["volume"], gd["percent"]) == (5, 2320, 100)
    assert gd["volume_not_quantified"] == 80  # the outlier, row 4
    gt = categories[("category", "GT")]
    assert (gt["rows"], gt["volume"], gt["volume_not_quantified"]) == (0, 0, 200)
    assert categories[("ceramide", "36:1;O2")]["volume"] == 1400 + 70
    parameters = {r["parameter"]: r["value"] for r in _sheet_records(book["Parameters"])}
    assert parameters["outlier_z"] == 2.5
    assert parameters["fragment_deacetylation"] is True
    assert parameters["software_version"] == ganglioside.__version__
    summary = {r["key"]: r["value"] for r in _sheet_records(book["Summary"])}
    assert summary["rows.outlier"] == 1
    assert summary["by_category.GD"] == 5
    assert summary["warning.1"].startswith("row 7")


def test_workbook_drops_control_characters_that_xml_cannot_hold():
    compounds = build_compounds()
    compounds.loc[0, "name"] = "GD1\x01(36:1;O2)"
    sheet = _read_book(build_analysis(compounds))["Compounds"]
    assert sheet["B2"].value == "GD1(36:1;O2)"


# -- abundance --------------------------------------------------------------------------------


def test_abundance_table_uses_consolidated_volumes_of_valid_rows(small_analysis):
    table = abundance_table(small_analysis.compounds, by="category")
    assert table["key"].tolist() == ["GD", "GT"]
    gd = table.set_index("key").loc["GD"]
    # Row 1 carries its fragment's volume in volume_consolidated (1000 + 400).
    assert gd["volume"] == 1400 + 500 + 300 + 50 + 70
    assert gd["rows"] == 5
    assert math.isclose(table["percent"].sum(), 100.0)


def test_abundance_table_orders_ceramides_by_carbons_and_double_bonds(small_analysis):
    table = abundance_table(small_analysis.compounds, by="ceramide")
    assert table["key"].tolist() == ["30:0;O2", "34:1;O2", "36:1;O2", "37:1;O2", "38:1;O2"]


def test_abundance_table_refuses_an_unknown_level(small_analysis):
    with pytest.raises(ValueError, match="by must be one of category, headgroup"):
        abundance_table(small_analysis.compounds, by="colour")


def test_abundance_table_sorts_headgroups_in_svennerholm_order():
    compounds = build_compounds()
    cores = ["GT1", "GM10", "GM2", "GD1", "GM1", "GQ1", "GA1", "GD3", "GP1"]
    compounds["core"] = cores
    compounds["status"] = "valid"
    table = abundance_table(compounds, by="core")
    assert table["key"].tolist() == ["GA1", "GM1", "GM2", "GM10", "GD1", "GD3", "GT1", "GQ1", "GP1"]


# -- plots ------------------------------------------------------------------------------------


def _visible(fig) -> list:
    return [t for t in fig.data if t.visible]


def test_rt_logp_figure_draws_the_model_line_from_the_model_report(small_analysis):
    fig = rt_logp_figure(small_analysis, group="GD1")
    lines = [t for t in _visible(fig) if t.mode == "lines" and "model" in (t.name or "")]
    assert len(lines) == 1
    x = np.asarray(lines[0].x, float)
    np.testing.assert_allclose(lines[0].y, SLOPE * x + INTERCEPT_GD1)
    assert x.min() < -0.85 and x.max() > 2.95  # spans every GD1 row


def test_rt_logp_figure_marks_statuses_with_distinct_symbols(small_analysis):
    fig = rt_logp_figure(small_analysis, group="GD1")
    markers = {
        t.legendgroup: t.marker.symbol
        for t in _visible(fig)
        if t.mode == "markers" and t.legendgroup is not None
    }
    assert set(markers) == {"anchor", "valid", "outlier"}
    assert len(set(markers.values())) == 3


def test_rt_logp_figure_shows_each_rows_prediction_interval(small_analysis):
    fig = rt_logp_figure(small_analysis, group="GD1")
    band = [t for t in _visible(fig) if (t.name or "").startswith("predicted RT and 95 %")]
    assert len(band) == 1
    gd1 = small_analysis.compounds[small_analysis.compounds["group_key"] == "GD1"]
    np.testing.assert_allclose(band[0].y, gd1["predicted_rt"])
    np.testing.assert_allclose(np.add(band[0].y, band[0].error_y.array), gd1["pi_high"])
    np.testing.assert_allclose(np.subtract(band[0].y, band[0].error_y.arrayminus), gd1["pi_low"])
    # the calibrated 95 % interval, not the outlier band at outlier_z
    assert band[0].name == "predicted RT and 95 % prediction interval"


def test_rt_logp_figure_draws_a_composition_estimate_from_its_increments():
    compounds = build_compounds()
    gt1 = compounds["group_key"] == "GT1"
    compounds.loc[gt1, ["model_id", "model_level"]] = ["composition", "composition"]
    analysis = build_analysis(compounds)
    analysis.models.append(
        replace(
            analysis.models[0],
            model_id="composition",
            level="composition",
            groups=("GT1",),
            slope=1.3,
            intercepts={"base": (1.0, math.nan), "+neuac": (2.0, math.nan), "+neugc": (2.9, 0)},
        )
    )
    fig = rt_logp_figure(analysis, group="GT1")
    (line,) = [t for t in _visible(fig) if t.mode == "lines"]
    assert line.name == "composition estimate: RT = 1.300·LogP + 7.000"  # 1 + 3 NeuAc × 2
    np.testing.assert_allclose(line.y, 1.3 * np.asarray(line.x) + 7.0)


def test_rt_logp_figure_links_each_fragment_to_its_parent(small_analysis):
    fig = rt_logp_figure(small_analysis, group="GM1")
    link = next(t for t in _visible(fig) if t.name == "fragment → parent")
    assert list(link.x) == [4.40, 1.92, None]
    assert list(link.y) == [9.62, 9.61, None]
    ring = next(t for t in _visible(fig) if t.name == "parent (other group)")
    assert list(ring.x) == [1.92]
    fragment = next(t for t in _visible(fig) if t.legendgroup == "fragment")
    assert fragment.marker.symbol == "triangle-down"


def test_rt_logp_figure_offers_one_dropdown_entry_per_group(small_analysis):
    fig = rt_logp_figure(small_analysis)
    menu = fig.layout.updatemenus[0]
    labels = [b.label for b in menu.buttons]
    assert labels == ["GM1 (1)", "GD1 (6)", "GT1 (1)"]
    assert menu.active == 1  # the group with the most rows is shown first
    for button in menu.buttons:
        mask = button.args[0]["visible"]
        assert len(mask) == len(fig.data) and any(mask)
    # Each trace belongs to exactly one group.
    stacked = np.array([b.args[0]["visible"] for b in menu.buttons])
    assert (stacked.sum(axis=0) == 1).all()


@pytest.mark.slow
def test_rt_logp_figure_stays_usable_with_many_groups():
    rows = []
    for i in range(36):
        for j in range(3):
            log_p = 0.5 * j + 0.1 * i
            rows.append(
                {
                    "row": len(rows) + 1,
                    "name": f"GM{i}({34 + j}:1;O2)",
                    "group_key": f"GM{i}",
                    "core": f"GM{i}",
                    "category": "GM",
                    "rt": 1.3 * log_p + 5,
                    "log_p": log_p,
                    "volume": 10.0,
                    "status": "valid",
                    "is_anchor": j == 0,
                }
            )
    compounds = pd.DataFrame(rows).reindex(columns=list(COMPOUND_COLUMNS))
    analysis = build_analysis(compounds)
    analysis.models = []
    fig = rt_logp_figure(analysis)
    buttons = fig.layout.updatemenus[0].buttons
    assert len(buttons) == 36
    assert buttons[0].label == "GM0 (3)" and buttons[-1].label == "GM35 (3)"
    assert len(_visible(fig)) == 2  # one group shown: anchor and valid points


def test_hover_labels_escape_names_and_show_the_evidence(small_analysis):
    labels = hover_labels(small_analysis.compounds)
    xss = labels[8]
    assert "<script>" not in xss
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in xss
    outlier = labels[3]
    assert "row 4" in outlier and "outlier" in outlier and "z -14.88" in outlier
    assert "rt_model: z = -13.1" in outlier
    assert "fragment of row 1, lost NeuAc" in labels[4]


def test_overview_figures_leave_fragments_out(small_analysis):
    fig = observed_predicted_figure(small_analysis)
    groups = {t.legendgroup for t in fig.data if t.mode == "markers"}
    assert "fragment" not in groups and {"anchor", "valid", "outlier"} <= groups
    residuals = residual_figure(small_analysis)
    assert "fragment" not in {t.legendgroup for t in residuals.data}
    assert {s.y0 for s in residuals.layout.shapes} == {2.5, -2.5}


def test_abundance_figure_shows_shares_coloured_by_category(small_analysis):
    fig = abundance_figure(small_analysis, "headgroup")
    (bars,) = fig.data
    assert list(bars.x) == ["GD1", "GT1"]
    np.testing.assert_allclose(bars.y, [100.0, 0.0])
    assert list(bars.marker.color) == [CATEGORY_COLORS["GD"], CATEGORY_COLORS["GT"]]
    np.testing.assert_allclose(np.asarray(bars.customdata, float)[1], [0, 0, 200])


def test_figures_say_so_when_there_is_nothing_to_draw():
    compounds = build_compounds()
    compounds["log_p"] = np.nan
    compounds["predicted_rt"] = np.nan
    compounds["z"] = np.nan
    compounds["status"] = "invalid"
    analysis = build_analysis(compounds)
    for fig in (
        rt_logp_figure(analysis),
        observed_predicted_figure(analysis),
        residual_figure(analysis),
        abundance_figure(analysis, "ceramide"),
    ):
        assert len(fig.data) == 0
        assert fig.layout.annotations[0].text.startswith("No ")
    assert "<!DOCTYPE html>" in report_html(analysis)


# -- report.html ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def page() -> str:
    return report_html(build_analysis())


def test_report_html_is_self_contained_and_offline(page):
    assert page.startswith("<!DOCTYPE html>")
    scripts = re.findall(r"<script[^>]*>", page)
    assert scripts and all("src=" not in tag for tag in scripts)
    # Outside the scripts (plotly.js mentions URLs in its own strings) no element loads
    # anything from the network.
    markup = re.sub(r"<script[^>]*>.*?</script>", "", page, flags=re.DOTALL)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", markup)
    assert "<link" not in markup and "<iframe" not in markup
    assert "Plotly.newPlot" in page
    assert len(page) > 1_000_000  # plotly.js is inline


def test_report_html_escapes_names_from_the_data(page):
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;GD1(36:1;O2)" in page
    assert "<b>bold</b> warning" not in page
    assert "&lt;b&gt;bold&lt;/b&gt; warning" in page
    assert XSS_NAME not in page


def test_report_html_contains_the_plots_and_tables(page):
    for plot in (
        "rt-logp",
        "observed-predicted",
        "residuals",
        "abundance-category",
        "abundance-headgroup",
        "abundance-ceramide",
    ):
        assert f'id="plot-{plot}"' in page
    for section in ("overview", "rt-model", "abundance", "review", "models", "fragments",
                    "parameters"):  # fmt: skip
        assert f'<section id="{section}">' in page
    assert "fragment_rt_window" in page and "outlier_z" in page
    assert "only two anchors" in page  # model warning in the model table
    assert "GM1(36:1;O2)" in page  # fragment event
    assert 'id="all-rows"' in page


@pytest.mark.slow
def test_report_html_counts_rows_by_status(small_analysis):
    page = report_html(small_analysis)
    cards = dict(
        (label, int(n.replace(",", "")))
        for n, label in re.findall(
            r'<div class="n">([\d,]+)</div><div class="l">([^<]+)</div>', page
        )
    )
    assert cards["rows"] == 9
    # Valid means what it means in the CLI and summary.json: anchors are a part of it.
    assert cards["valid"] == 5 and "anchor (confirmed standard)" not in cards
    assert '<div class="note">of which 2 anchors</div>' in page
    assert cards["outlier"] == 1 and cards["in-source fragment"] == 1
    assert cards["warnings"] == 2 and cards["RT models"] == 1


@pytest.mark.slow
def test_report_html_caps_long_tables_and_points_to_the_files(monkeypatch):
    from ganglioside.report import html as html_module

    monkeypatch.setattr(html_module, "REVIEW_ROWS", 2)
    monkeypatch.setattr(html_module, "ALL_ROWS", 5)
    files = ("compounds.csv", "summary.json", "compounds.parquet")
    page = html_module.report_html(build_analysis(), files=files)
    review = page[page.index('<section id="review">') : page.index('<section id="models">')]
    # Three rows to review (invalid, outlier, unverified): two are listed.
    assert review.count("<tr>") == 1 + 2
    assert (
        "…and 1 more row (the first 2 of 3 are shown); every row is in compounds.csv and "
        "compounds.parquet." in review
    )
    assert 'id="all-rows"' not in page
    assert "All 9 rows are in compounds.csv and compounds.parquet." in review
    about = page[page.index("<h3>About this report</h3>") : page.index('<section id="rt-model">')]
    assert "Rows to review: the first 2 of 3 rows are listed" in about
    assert "All rows: not listed in the report (9 rows)" in about


def test_a_small_report_lists_every_row_and_says_nothing_was_aggregated():
    page = report_html(build_analysis())
    assert 'id="all-rows"' in page
    assert "About this report" not in page and "…and" not in page


def test_config_values_reach_the_report():
    analysis = build_analysis()
    analysis.config = AnalysisConfig(outlier_z=3.0)
    page = report_html(analysis)
    assert "|z| &lt; 3" in page
    fig = residual_figure(analysis)
    assert {s.y0 for s in fig.layout.shapes} == {3.0, -3.0}


# -- on the real pipeline's result for the bundled sample --------------------------------------


@pytest.mark.parametrize(
    ("by", "summary_key"),
    [("category", "by_category"), ("headgroup", "by_headgroup"), ("ceramide", "by_ceramide")],
)
@pytest.mark.slow
def test_abundances_agree_with_the_summary(sample_analysis, by, summary_key):
    table = abundance_table(sample_analysis.compounds, by=by).set_index("key")
    expected = sample_analysis.summary["abundance"][summary_key]
    assert expected, "the sample has quantified rows"
    quantified = table[table["rows"] > 0]
    assert len(quantified) == len(expected)
    for entry in expected:
        key = next(v for k, v in entry.items() if k not in {"rows", "volume", "percent"})
        assert table.loc[key, "rows"] == entry["rows"]
        assert math.isclose(table.loc[key, "volume"], entry["volume"])
        assert math.isclose(table.loc[key, "percent"], entry["percent"])


@pytest.mark.slow
def test_every_group_of_the_sample_gets_a_view_with_its_model_line(sample_analysis):
    fig = rt_logp_figure(sample_analysis)
    compounds = sample_analysis.compounds
    groups = sorted(set(compounds.loc[compounds["log_p"].notna(), "group_key"]))
    buttons = fig.layout.updatemenus[0].buttons
    assert sorted(b.label.rsplit(" (", 1)[0] for b in buttons) == groups
    for button in buttons:
        shown = [t for t, v in zip(fig.data, button.args[0]["visible"], strict=True) if v]
        group = button.label.rsplit(" (", 1)[0]
        rows = compounds[compounds["group_key"] == group]
        points = sum(len(t.x) for t in shown if t.legendgroup in POINT_STYLES)
        assert points == len(rows), group
        if rows["model_id"].fillna("").astype(str).str.len().gt(0).any():
            assert any(t.mode == "lines" and "model" in (t.name or "") for t in shown) or any(
                "estimate" in (t.name or "") for t in shown
            ), f"no model line for {group}"


@pytest.mark.slow
def test_the_sample_report_writes_and_reads_back(sample_analysis, tmp_path):
    paths = write_all(sample_analysis, tmp_path, outputs=("csv", "fragments", "json", "xlsx",
                                                          "parquet", "html"))  # fmt: skip
    compounds = pd.read_csv(paths["compounds.csv"])
    assert len(compounds) == len(sample_analysis.compounds) == 323
    np.testing.assert_allclose(compounds["log_p"], sample_analysis.compounds["log_p"])
    assert paths["compounds.csv"].read_text(encoding="utf-8") == compounds_csv(sample_analysis)
    document = _strict_loads(paths["summary.json"].read_text(encoding="utf-8"))
    assert document["counts"]["total"] == 323
    assert len(document["models"]) == len(sample_analysis.models)
    assert document["fragments"]["events"] == len(sample_analysis.fragments)
    fragments = pd.read_csv(paths["fragments.csv"])
    assert len(fragments) == len(sample_analysis.fragments) > 0
    parquet = pd.read_parquet(paths["compounds.parquet"])
    original = sample_analysis.compounds
    pd.testing.assert_frame_equal(parquet, original, check_dtype=False, check_categorical=False)
    for column in ("name", "status", "carbons", "fragment_of", "is_anchor", "rt"):
        assert parquet[column].dtype.kind == original[column].dtype.kind, column
    lost = parquet["fragment_lost"].astype(str)
    assert lost[lost != ""].str.fullmatch(r"(\d*[A-Za-z]+)(\+\d*[A-Za-z]+)*").all()
    book = openpyxl.load_workbook(paths["workbook.xlsx"])
    assert book.sheetnames == list(SHEETS)
    assert book["Compounds"].max_row == 324
    sheet = pd.read_excel(paths["workbook.xlsx"], sheet_name="Compounds")
    assert len(sheet) == 323
    np.testing.assert_allclose(sheet["rt"], sample_analysis.compounds["rt"])
    page = paths["report.html"].read_text(encoding="utf-8")
    for model in sample_analysis.models:
        assert html.escape(model.model_id) in page


# -- in a real browser ------------------------------------------------------------------------


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("CI"):
        pytest.fail(
            "browser tests are mandatory in CI: install chromium (apt-get install chromium)"
        )
    pytest.skip("no Chromium on this machine")


@pytest.mark.browser
def test_the_report_renders_offline_and_never_runs_names_as_script(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    path = write_all(build_analysis(), tmp_path)["report.html"]
    dialogs: list[str] = []
    errors: list[str] = []
    requests: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
        page = browser.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(path.as_uri())
        page.wait_for_selector("#plot-rt-logp .main-svg")
        plotted = page.evaluate(
            "() => [...document.querySelectorAll('.js-plotly-plot')].map(d => d.id)"
        )
        # Hover the row whose name is a script tag: its label must show the text, not run it.
        hover = page.evaluate(
            """() => {
              const gd = document.getElementById('plot-rt-logp');
              const i = gd.data.findIndex(t => t.visible && (t.hovertext || []).some(
                  h => h.includes('alert(1)')));
              const j = gd.data[i].hovertext.findIndex(h => h.includes('alert(1)'));
              Plotly.Fx.hover(gd, [{curveNumber: i, pointNumber: j}]);
              const label = gd.querySelector('.hovertext');
              return label ? label.textContent : null;
            }"""
        )
        groups = page.evaluate(
            "() => document.getElementById('plot-rt-logp').layout.updatemenus[0].buttons.length"
        )
        browser.close()
    assert dialogs == [] and errors == []
    assert all(url.startswith("file://") for url in requests), requests
    assert set(plotted) >= {
        "plot-rt-logp",
        "plot-observed-predicted",
        "plot-residuals",
        "plot-abundance-category",
        "plot-abundance-headgroup",
        "plot-abundance-ceramide",
    }
    assert hover is not None and "<script>alert(1)</script>GD1(36:1;O2)" in hover
    assert groups == 3


@pytest.mark.slow
def test_compounds_csv_of_a_real_analysis_neutralises_its_categorical_text(sample_analysis):
    # analyze() returns text columns as categoricals; their cells are neutralised too
    assert isinstance(sample_analysis.compounds["fragment_lost"].dtype, pd.CategoricalDtype)
    back = pd.read_csv(io.StringIO(compounds_csv(sample_analysis)), dtype=str)
    lost = back["fragment_lost"].dropna()
    assert len(lost) > 0
    # the lost residues are written without a sign, so no cell of theirs needs quoting
    # (53 fragments of the sample came out as '-NeuAc before)
    assert lost.str.fullmatch(r"(\d*[A-Za-z]+)(\+\d*[A-Za-z]+)*").all()
    assert not lost.str.startswith("'").any()
    text = [c for c in back.columns if is_text_column(sample_analysis.compounds[c])]
    assert "fragment_lost" in text and "reasons" in text
    assert not back[text].apply(lambda col: col.str.match(r"^[=+\-@]")).any().any()


def test_safe_frame_neutralises_categorical_cells_even_when_labels_would_collide():
    frame = pd.DataFrame(
        {
            "lost": pd.Categorical(["-NeuAc", "", "-NeuAc", None]),
            "clash": pd.Categorical(["=1+1", "'=1+1", "ok", "ok"]),
            "volume": [1.0, 2.0, 3.0, 4.0],
        }
    )
    out = safe_frame(frame)
    assert out["lost"].tolist()[:3] == ["'-NeuAc", "", "'-NeuAc"]
    assert pd.isna(out["lost"].tolist()[3])
    assert out["clash"].tolist() == ["'=1+1", "'=1+1", "ok", "ok"]
    assert out["volume"].tolist() == [1.0, 2.0, 3.0, 4.0]
    assert frame["lost"].tolist()[0] == "-NeuAc"  # the input is left as it was


@pytest.mark.slow
def test_names_in_reasons_keep_their_semicolons_in_the_report_and_its_hover_labels():
    from importlib.resources import files

    from ganglioside import analyze
    from ganglioside.report.html import report_html
    from ganglioside.report.points import hover_labels

    result = analyze(str(files("ganglioside") / "data" / "measured_sample.csv"))
    fragments = result.compounds[result.compounds["status"] == "fragment"]
    assert fragments["reasons"].str.contains(r"\(36:1;O2\)").any()
    html = report_html(result)
    assert "36:1; O2" not in html
    labels = hover_labels(fragments)
    assert any("36:1;O2" in label for label in labels)
    assert not any("36:1; O2" in label or "(36:1<" in label for label in labels)

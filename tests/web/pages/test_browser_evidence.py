"""The analysis page as the scientist's instrument, in a real browser: every piece of evidence
the HTML report has, rows linked to each other, filter and sort state in the URL, charts saved
as SVG and PNG.

The sample (measured_sample.csv) is analysed once for the module; what the page must show is
taken from the core's own analysis of the same file.  Skips when Chromium or Playwright is
missing, unless ``GANGLIOSIDE_REQUIRE_SERVICES=1``.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

import ganglioside
from ganglioside.simulate import simulate
from tests.web.browser import (
    USERNAME,
    Watch,
    open_browser,
    running_platform,
    sign_in,
)
from tests.web.conftest import SAMPLE_CSV

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1400, "height": 1000}
PHONE = {"width": 390, "height": 844}
#: A simulated table with more than 72 RT-model groups (its seed and number of species).
MANY_GROUPS_SEED, MANY_GROUPS_SPECIES = 2, 1000


@pytest.fixture(scope="module")
def platform(tmp_path_factory, chromium_path):
    with running_platform(tmp_path_factory.mktemp("browser-evidence")) as running:
        running.analysis_id = running.analyse(USERNAME, SAMPLE_CSV, "sample")
        yield running


@pytest.fixture(scope="module")
def sample() -> ganglioside.AnalysisResult:
    return ganglioside.analyze(SAMPLE_CSV)


@pytest.fixture
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        running = open_browser(playwright, chromium_path)
        try:
            yield running
        finally:
            running.close()


def _open(browser, platform, query: str = "", viewport=DESKTOP, analysis_id=None):
    """A signed-in page on the analysis page, its table loaded; and what the page did."""
    page = browser.new_page(viewport=viewport, accept_downloads=True)
    watch = Watch(page, platform.base)
    sign_in(page, platform.base)
    page.goto(f"{platform.base}/analyses/{analysis_id or platform.analysis_id}/{query}")
    _table_loaded(page)
    return page, watch


def _table_loaded(page) -> None:
    page.wait_for_selector("#compounds:not([aria-busy])")
    page.wait_for_selector("#compounds tbody tr[data-row], #compounds tbody td.muted")


def _rows(page) -> list[int]:
    return [
        int(r)
        for r in page.eval_on_selector_all(
            "#compounds tbody tr", "rs => rs.map(r => r.dataset.row)"
        )
    ]


def _cell(page, row: int, column: str) -> str:
    return page.text_content(f'#compounds tr[data-row="{row}"] td[data-column="{column}"]')


def _query(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def _first_fragment(sample):
    comp = sample.compounds
    frag = comp[(comp["status"] == "fragment") & comp["name"].str.contains(";")].iloc[0]
    parent = comp[comp["row"] == frag["fragment_parent"]].iloc[0]
    return frag, parent


def test_reasons_keep_compound_names_whole(browser, platform, sample):
    frag, parent = _first_fragment(sample)
    page, watch = _open(browser, platform, f"?rows={int(frag['row'])}")
    reasons = _cell(page, int(frag["row"]), "reasons")
    # The name holds a ";" (36:1;O2): it must read as in the file, not "36:1; O2".
    assert f"fragment of {parent['name']}" in reasons, reasons
    assert "; O2" not in reasons
    # Each reason of the core (joined by "; ") is its own line.
    items = page.eval_on_selector_all(
        f'#compounds tr[data-row="{int(frag["row"])}"] td[data-column="reasons"] li',
        "items => items.map(i => i.textContent)",
    )
    assert items == frag["reasons"].split("; ")
    assert watch.errors == []


def test_the_parent_of_a_fragment_is_a_link_that_jumps_to_its_row(browser, platform, sample):
    frag, parent = _first_fragment(sample)
    page, watch = _open(browser, platform, "?status=fragment")
    link = page.locator(f'#compounds tr[data-row="{int(frag["row"])}"] td[data-column="parent"] a')
    assert link.text_content().strip() == str(int(parent["row"]))
    link.click()
    target = f'#compounds tr[data-row="{int(parent["row"])}"]'
    page.wait_for_selector(f"{target}.highlight")
    assert page.locator(target).is_visible()
    assert _cell(page, int(parent["row"]), "name") == parent["name"]
    # The jump is a step of the history: Back returns to the fragments.
    page.go_back()
    _table_loaded(page)
    page.wait_for_function("() => location.search.indexOf('status=fragment') >= 0")
    page.wait_for_selector(f'#compounds tr[data-row="{int(frag["row"])}"]')
    assert watch.errors == []


def test_the_file_warnings_link_their_row_numbers_to_the_rows(browser, platform, sample):
    warning = next(w for w in sample.warnings if re.search(r"rows? \d+, \d+", w))
    numbers = [int(n) for n in re.search(r"rows? ((?:\d+, )*\d+)", warning).group(1).split(", ")]
    page, watch = _open(browser, platform)
    item = page.locator("#file-warnings li", has_text=warning.split(":")[0])
    assert item.text_content().strip() == warning
    links = item.locator("a.row-link")
    assert [int(a) for a in links.all_text_contents()] == numbers
    links.last.click()
    page.wait_for_selector(f'#compounds tr[data-row="{numbers[-1]}"].highlight')
    assert watch.errors == []


def test_rows_filter_sort_by_absolute_z_and_the_state_in_the_url(browser, platform, sample):
    comp = sample.compounds
    chosen = comp[comp["row"].between(60, 90) & comp["z"].notna()]
    page, watch = _open(browser, platform)
    page.fill("#compound-filters input[name=rows]", "60-90")
    page.wait_for_function(
        "n => document.getElementById('compounds-count').textContent === n",
        arg=f"{int(comp['row'].between(60, 90).sum())} matching rows",
    )
    page.click("#compounds th[data-order=abs_z]")
    page.wait_for_selector('#compounds th[data-order=abs_z][aria-sort="descending"]')
    _table_loaded(page)
    expected = chosen.assign(a=chosen["z"].abs()).sort_values("a", ascending=False)["row"]
    assert _rows(page)[: len(expected)] == [int(r) for r in expected]
    state = _query(page)
    assert state["rows"] == ["60-90"] and state["sort"] == ["-abs_z"]

    # The address is shareable: a new page opens in the same state.
    shared = browser.new_page(viewport=DESKTOP)
    sign_in(shared, platform.base)
    shared.goto(page.url)
    _table_loaded(shared)
    assert _rows(shared) == _rows(page)
    assert shared.input_value("#compound-filters input[name=rows]") == "60-90"
    assert shared.get_attribute("#compounds th[data-order=abs_z]", "aria-sort") == "descending"

    # Back undoes the sort, then the filter.
    page.go_back()
    page.wait_for_function("() => location.search.indexOf('sort=') < 0")
    _table_loaded(page)
    assert _rows(page)[:3] == [60, 61, 62]
    page.go_back()
    page.wait_for_function("() => location.search.indexOf('rows=') < 0")
    _table_loaded(page)
    assert page.input_value("#compound-filters input[name=rows]") == ""
    assert _rows(page)[:3] == [1, 2, 3]
    assert watch.errors == []


def test_a_single_row_is_counted_in_the_singular(browser, platform):
    page, watch = _open(browser, platform, "?rows=70")
    assert page.text_content("#compounds-count") == "1 matching row"
    assert not re.search(r"\b1 rows\b", page.text_content("main"))
    assert watch.errors == []


def test_the_evidence_column_lists_the_checks_of_each_row(browser, platform, sample):
    row = sample.compounds.iloc[0]
    page, watch = _open(browser, platform, "?rows=1")
    checks = page.eval_on_selector_all(
        '#compounds tr[data-row="1"] td[data-column="evidence"] .check',
        "items => items.map(i => i.textContent)",
    )
    assert checks == row["evidence"].split(";")
    assert watch.errors == []


def test_the_fragment_table_shows_what_links_each_fragment_to_its_parent(browser, platform, sample):
    events = sample.fragments.sort_values(["fragment_row", "parent_row"])  # the API's order
    page, watch = _open(browser, platform)
    page.wait_for_selector("#fragments tbody tr[data-fragment]")
    assert page.text_content("#fragments-count") == f"{len(events)} fragment links"
    first = events.iloc[0]
    cells = page.eval_on_selector_all(
        "#fragments tbody tr:first-child td", "cells => cells.map(c => c.textContent.trim())"
    )
    assert cells == [
        str(int(first["fragment_row"])),
        first["fragment_name"],
        str(int(first["parent_row"])),
        first["parent_name"],
        first["lost"],
        f"{first['delta_rt']:+.3f}",
        f"{first['volume_ratio']:.3f}",
        f"{first['fragment_volume']:,.0f}",
        f"{first['parent_volume']:,.0f}",
    ]
    # No value is shown with more digits than the instrument gives: each text of the results,
    # closed sections included, but the figures' JSON handed to the scripts.
    shown = page.evaluate(
        "() => { const walk = document.createTreeWalker(document.getElementById('outcome'),"
        " NodeFilter.SHOW_TEXT); const texts = [];"
        " while (walk.nextNode()) { if (walk.currentNode.parentElement.tagName !== 'SCRIPT')"
        " texts.push(walk.currentNode.textContent); } return texts; }"
    )
    assert "Fragment volume" in shown
    assert [t for t in shown if re.search(r"\d\.\d{5,}", t)] == []
    page.click("#fragments tbody tr:first-child td:nth-child(3) a")
    page.wait_for_selector(f'#compounds tr[data-row="{int(first["parent_row"])}"].highlight')
    assert watch.errors == []


def test_every_chart_of_the_report_is_drawn_and_saved_as_svg_and_png(browser, platform, tmp_path):
    charts = ["rt-chart", "residuals-chart", "observed-predicted-chart"] + [
        f"abundance-{level}" for level in ("category", "headgroup", "ceramide")
    ]
    page, watch = _open(browser, platform)
    for chart in charts:
        page.wait_for_selector(f"#{chart} .main-svg")
    assert page.locator("#abundance-tables table").count() == 3
    for chart in charts:
        # One page per chart: Chromium holds back a page's automatic downloads after several
        # (its multiple-downloads guard, which a person answers and a headless test cannot),
        # and whether it does depends on timing; two downloads a page never reach it.
        if chart != charts[0]:
            assert watch.errors == [] and watch.foreign == []
            page.close()
            page, watch = _open(browser, platform)
            page.wait_for_selector(f"#{chart} .main-svg")
        for kind, magic in (("svg", b"<svg"), ("png", b"\x89PNG")):
            with page.expect_download() as info:
                page.click(f'button[data-chart="{chart}"][data-format="{kind}"]')
            download = info.value
            assert download.suggested_filename.endswith(f".{kind}"), download.suggested_filename
            content = Path(download.path()).read_bytes()
            assert content.lstrip()[: len(magic)] == magic, (chart, kind, content[:40])
    assert watch.errors == []
    assert watch.foreign == []


def test_with_many_groups_every_group_label_is_shown(browser, platform, tmp_path):
    table = simulate(MANY_GROUPS_SEED, MANY_GROUPS_SPECIES).table
    path = tmp_path / "many_groups.csv"
    table.to_csv(path, index=False)
    result = ganglioside.analyze(path)
    comp = result.compounds
    groups = comp[comp["z"].notna() & (comp["status"] != "fragment")]["group_key"].nunique()
    assert groups >= 72
    analysis_id = platform.analyse(USERNAME, path, "many groups")
    for viewport in (DESKTOP, PHONE):
        page, watch = _open(browser, platform, viewport=viewport, analysis_id=analysis_id)
        page.wait_for_selector("#residuals-chart .main-svg")
        labels = page.eval_on_selector_all(
            "#residuals-chart .xaxislayer-above .xtick text", "ts => ts.map(t => t.textContent)"
        )
        assert len(labels) == groups, (viewport, len(labels), groups)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        assert watch.errors == []
        page.close()


def test_a_rows_name_opens_its_own_page_with_the_row_circled_on_its_rt_chart(
    browser, platform, sample
):
    frag, parent = _first_fragment(sample)
    page, watch = _open(browser, platform, f"?rows={int(frag['row'])}")
    page.click(f'#compounds tr[data-row="{int(frag["row"])}"] td[data-column="name"] a')
    page.wait_for_url(re.compile(rf"/rows/{int(frag['row'])}/$"))
    page.wait_for_selector("#rt-chart .main-svg")
    ring = page.evaluate(
        "() => document.getElementById('rt-chart').data.filter(t => /this row/.test(t.name))"
    )
    assert len(ring) == 1 and ring[0]["x"] == [frag["log_p"]] and ring[0]["y"] == [frag["rt"]]
    page.click(f'#fragment-links a:text-is("{int(parent["row"])}")')
    page.wait_for_url(re.compile(rf"/rows/{int(parent['row'])}/$"))
    assert page.text_content("h1") == parent["name"]
    assert watch.errors == []

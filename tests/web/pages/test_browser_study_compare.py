"""Comparing two studies in a real browser (headless Chromium, Playwright) against the real
server: a study's page offers the other finished study, the comparison page draws the fold
change scatter and the table of compounds with their agreement, filters by label, downloads the
CSV, fits a 390 px phone and logs no console error.

Skips when Chromium or Playwright is missing, unless ``GANGLIOSIDE_REQUIRE_SERVICES=1``.
"""

from __future__ import annotations

import pytest

from tests.web.browser import (
    DESKTOP,
    PHONE,
    launched_browser,
    run_study,
    running_platform,
    signed_in_page,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def browser(platform, chromium_path):
    with launched_browser(chromium_path) as running:
        yield running


@pytest.fixture(scope="module")
def platform(tmp_path_factory, chromium_path):
    folder = tmp_path_factory.mktemp("browser-study-compare")
    with running_platform(folder) as running:
        running.study_a = run_study(running, folder / "a", "forward", {})
        running.study_b = run_study(
            running, folder / "b", "reversed", {"compare": "control/disease"}
        )
        yield running


def test_from_a_study_to_the_comparison_plot_table_filter_and_csv(browser, platform):
    a, b = platform.study_a, platform.study_b
    page, watch = signed_in_page(browser, platform, DESKTOP)
    page.goto(f"{platform.base}/studies/{a}/")
    page.select_option("#compare-with select[name=with]", str(b))
    page.click("#compare-with button[type=submit]")
    page.wait_for_url(f"{platform.base}/studies/{a}/compare/{b}/")

    # the scatter is drawn: one point per compound measured in both with both fold changes
    page.wait_for_selector('#compare-figure[data-drawn="true"] .main-svg')
    points = page.locator("#compare-figure .scatterlayer .point").count()
    rows = page.locator("#compare-table tbody tr[data-agreement]")
    total = rows.count()
    assert total > 10 and 0 < points <= total
    legend = page.locator("#compare-figure .legend").text_content() or ""
    assert "opposite directions" in legend and "equal change" in legend

    opposite = int(page.locator('[data-agreement="opposite_directions"] .n').inner_text())
    assert opposite > 0
    assert page.locator('#compare-table tr[data-agreement="opposite_directions"]').count() == (
        opposite
    )
    assert page.locator('#compare-table tr[data-agreement="same_direction"]').count() == 0
    assert "control" in page.locator("#parameter-changes").inner_text()
    assert page.locator("#different-comparisons").is_visible()

    page.select_option("#agreement-filter select", "opposite_directions")
    page.click("#agreement-filter button[type=submit]")
    page.wait_for_url("**agreement=opposite_directions**")
    assert rows.count() == opposite
    assert page.locator("#compare-count").inner_text() == f"{opposite} shown"

    with page.expect_download() as info:
        page.click("#compare-download")
    assert info.value.suggested_filename == f"study_{a}_vs_{b}.csv"
    lines = info.value.path().read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("species,name,category,agreement")
    assert len(lines) == total + 1

    page.click("#link-b")
    page.wait_for_url(f"{platform.base}/studies/{b}/")
    assert watch.errors == [] and watch.foreign == []


def test_the_comparison_fits_a_390_px_phone(browser, platform):
    a, b = platform.study_a, platform.study_b
    page, watch = signed_in_page(browser, platform, PHONE)
    page.goto(f"{platform.base}/studies/{a}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    select = page.locator("#compare-with select").bounding_box()
    assert select and select["x"] + select["width"] <= PHONE["width"]
    page.goto(f"{platform.base}/studies/{a}/compare/{b}/")
    page.wait_for_selector('#compare-figure[data-drawn="true"] .main-svg')
    assert page.locator("#compare-table tbody tr[data-agreement]").count() > 10
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert watch.errors == [] and watch.foreign == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_axe_finds_no_serious_or_critical_violation(browser, platform, viewport):
    module = pytest.importorskip(
        "axe_playwright_python.sync_playwright",
        reason="needs axe-core: pip install axe-playwright-python (the dev extra has it)",
    )
    axe = module.Axe()
    a, b = platform.study_a, platform.study_b
    page, _ = signed_in_page(browser, platform, viewport)
    found = {}
    # the whole comparison page, and the whole study page that leads to it (its progress bar,
    # scrolling tables and figures included)
    for path, part in ((f"/studies/{a}/compare/{b}/", None), (f"/studies/{a}/", None)):
        page.goto(platform.base + path)
        page.wait_for_load_state("networkidle")
        page.wait_for_selector('[data-drawn="true"] .main-svg')
        violations = axe.run(page, context=part).response["violations"]
        found[path] = [
            f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}"
            for v in violations
            if v["impact"] in ("serious", "critical")
        ]
    assert {path: v for path, v in found.items() if v} == {}

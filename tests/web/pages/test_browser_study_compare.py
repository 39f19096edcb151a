"""Comparing two studies in a real browser (headless Chromium, Playwright) against the real
server: a study's page offers the other finished study, the comparison page draws the fold
change scatter and the table of compounds with their agreement, filters by label, downloads the
CSV, fits a 390 px phone and logs no console error.

Skips when Chromium or Playwright is missing, unless ``GANGLIOSIDE_REQUIRE_SERVICES=1``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.web.browser import (
    TIMEOUT_MS,
    USERNAME,
    Watch,
    chromium_or_skip,
    open_browser,
    running_platform,
    sign_in,
)
from tests.web.studies_data import study_files

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 1000}


def _run_study(platform, folder: Path, name: str, parameters: dict) -> int:
    """Store the simulated study as ``USERNAME``'s and run it here and now (inline); its id."""
    tables, design = study_files()
    folder.mkdir(parents=True, exist_ok=True)
    for table, content in tables.items():
        (folder / table).write_bytes(content)
    script = (
        "from pathlib import Path\n"
        "from django.contrib.auth import get_user_model\n"
        "from django.core.files.uploadedfile import SimpleUploadedFile\n"
        "from ganglioside.web.studies.services import creation\n"
        f"owner = get_user_model().objects.get(username={USERNAME!r})\n"
        "files = [SimpleUploadedFile(p.name, p.read_bytes())\n"
        f"         for p in sorted(Path({str(folder)!r}).glob('*.csv'))]\n"
        "study = creation.study_create(\n"
        f"    owner=owner, files=files, design={design!r}, name={name!r},\n"
        f"    parameters={parameters!r},\n"
        ")\n"
        "study.refresh_from_db()\n"
        "assert study.status == 'succeeded', (study.status, study.error_message)\n"
        "print('study', study.pk)\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "ganglioside.web.cli", "manage", "shell", "-c", script],
        # inline: the samples and the study step run in this command, no worker needed
        env={**platform.env, "GANGLIOSIDE_EXECUTOR": "inline"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    return int(re.findall(r"^study (\d+)$", done.stdout, re.MULTILINE)[-1])


@pytest.fixture(scope="module")
def chromium_path() -> str:
    return chromium_or_skip()


@pytest.fixture(scope="module")
def platform(tmp_path_factory, chromium_path):
    folder = tmp_path_factory.mktemp("browser-study-compare")
    with running_platform(folder) as running:
        running.study_a = _run_study(running, folder / "a", "forward", {})
        running.study_b = _run_study(
            running, folder / "b", "reversed", {"compare": "control/disease"}
        )
        yield running


@pytest.fixture
def browser(platform, chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = open_browser(playwright, chromium_path)
        yield browser
        browser.close()


def _page(browser, platform, viewport):
    page = browser.new_page(viewport=viewport, accept_downloads=True)
    page.set_default_timeout(TIMEOUT_MS)
    watch = Watch(page, platform.base)
    sign_in(page, platform.base)
    return page, watch


def test_from_a_study_to_the_comparison_plot_table_filter_and_csv(browser, platform):
    a, b = platform.study_a, platform.study_b
    page, watch = _page(browser, platform, DESKTOP)
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
    page, watch = _page(browser, platform, PHONE)
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
    page, _ = _page(browser, platform, viewport)
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

"""The study pages in a real browser (headless Chromium, Playwright) against the real server:
a bad design is explained next to the form; six simulated samples and a typed design start a
study whose page follows the samples, then shows the figures, the species table with its
filters, each sample's page and the downloads.

Skips when Chromium or Playwright is missing, unless ``GANGLIOSIDE_REQUIRE_SERVICES=1``.
"""

from __future__ import annotations

import pytest

from .browser import TIMEOUT_MS, Watch, chromium_or_skip, open_browser, running_platform, sign_in
from .studies_data import study_files

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium_path() -> str:
    return chromium_or_skip()


@pytest.fixture(scope="module")
def platform(tmp_path_factory, chromium_path):
    with running_platform(tmp_path_factory.mktemp("browser-studies")) as running:
        yield running


@pytest.fixture
def page(platform, chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = open_browser(playwright, chromium_path)
        context = browser.new_context(accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        sign_in(page, platform.base)
        yield page
        browser.close()


@pytest.fixture
def table_paths(tmp_path):
    tables, design = study_files()
    paths = []
    for name, content in tables.items():
        paths.append(tmp_path / name)
        paths[-1].write_bytes(content)
    return paths, design


def test_a_bad_design_is_explained_next_to_the_form(platform, page, table_paths):
    paths, _ = table_paths
    page.goto(f"{platform.base}/studies/new/")
    page.set_input_files("#id_files", [str(p) for p in paths])
    page.fill("#id_design", "sample,file,group\nA,C01.csv,x\nB,gone.csv,x\n")
    page.click("#start-study")
    problems = page.locator("#design-problems li")
    problems.first.wait_for()
    text = " ".join(problems.all_inner_texts())
    assert "gone.csv" in text and "group" in text


def test_a_study_from_upload_to_figures_table_and_downloads(platform, page, table_paths):
    paths, design = table_paths
    watch = Watch(page, platform.base)
    page.goto(f"{platform.base}/studies/new/")
    page.set_input_files("#id_files", [str(p) for p in paths])
    page.fill("#id_design", design)
    page.fill("#id_name", "browser study")
    page.click("#start-study")
    page.wait_for_url(f"{platform.base}/studies/*/")
    platform.start_worker()
    try:
        page.wait_for_selector('#study-status .badge[data-status="succeeded"]', timeout=180_000)
    except Exception as exc:  # pragma: no cover - shown with the server's logs
        raise AssertionError(f"{exc}\n{platform.logs()}") from None
    assert page.locator("#samples tbody tr").count() == 6
    assert page.locator('#samples .badge[data-status="succeeded"]').count() == 6

    page.wait_for_selector('#figure-volcano[data-drawn="true"] .main-svg')
    for name in ("heatmap", "pca", "composition", "drift"):
        assert page.locator(f'#figure-{name}[data-drawn="true"]').count() == 1

    every = page.locator("#species-table tbody tr").count()
    assert every > 10
    page.fill("input[name=q_max]", "0.05")
    page.click("#species-filters button[type=submit]")
    page.wait_for_url("**q_max=0.05**")
    fewer = page.locator("#species-table tbody tr").count()
    assert 0 < fewer < every

    with page.expect_download() as info:
        page.click('#downloads a:text-is("matrix.csv")')
    assert info.value.suggested_filename == "matrix.csv"
    assert "C01" in info.value.path().read_text(encoding="utf-8").splitlines()[0]

    page.click('#samples a:text-is("C01")')
    page.wait_for_selector("#sample-compounds-table tbody tr")
    assert page.locator("#sample-compounds-table tbody tr").count() > 10
    assert watch.errors == [] and watch.foreign == []

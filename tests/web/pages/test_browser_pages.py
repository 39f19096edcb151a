"""Every page in a real browser: it fits a 390 px phone, axe-core finds no serious or critical
accessibility violation on it, and the API viewers load without a console error.

axe-core comes from the ``axe-playwright-python`` wheel (it ships ``axe.min.js``; the dev extra
installs it).  Skips when Chromium, Playwright or that package is missing, unless
``GANGLIOSIDE_REQUIRE_SERVICES=1``.
"""

from __future__ import annotations

import pytest

from tests.web.browser import Watch, open_browser, running_platform, sign_in
from tests.web.conftest import SAMPLE_CSV

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 1000}
#: Impacts that fail the test (axe also reports "moderate" and "minor").
BLOCKING = ("serious", "critical")


@pytest.fixture(scope="module")
def platform(tmp_path_factory, chromium_path):
    with running_platform(tmp_path_factory.mktemp("browser-pages")) as running:
        running.analysis_id = running.analyse("lab", SAMPLE_CSV, "sample")
        yield running


@pytest.fixture(scope="module")
def axe():
    module = pytest.importorskip(
        "axe_playwright_python.sync_playwright",
        reason="needs axe-core: pip install axe-playwright-python (the dev extra has it)",
    )
    return module.Axe()


def _signed_in_pages(platform) -> dict[str, str]:
    pk = platform.analysis_id
    return {
        "home": "/",
        "upload": "/analyses/new/",
        "history": "/analyses/",
        "detail": f"/analyses/{pk}/",
        "row": f"/analyses/{pk}/rows/9/",
        "compare": f"/analyses/compare/?a={pk}&b={pk}",
        "api docs": "/api/docs/",
        "api reference": "/api/redoc/",
    }


def _settle(page, name: str) -> None:
    """Wait until what the page draws after loading is there."""
    page.wait_for_load_state("networkidle")
    if name == "detail":
        page.wait_for_function(
            "() => { const c = document.getElementById('rt-chart');"
            " return c && c.data && c.data.length > 0; }"
        )
        page.wait_for_selector("#compounds tbody tr[data-row]")
    elif name == "row":
        page.wait_for_selector("#rt-chart .main-svg")
    elif name == "api docs":
        page.wait_for_selector(".opblock-summary-control")
    elif name == "api reference":
        page.wait_for_selector("#redoc-container .api-content, .api-content")


def _visit(page, platform, callback) -> None:
    """Sign out, the login page, sign in, then every page; ``callback(name)`` on each."""
    page.goto(f"{platform.base}/accounts/login/")
    page.wait_for_load_state("networkidle")
    callback("login")
    sign_in(page, platform.base)
    for name, path in _signed_in_pages(platform).items():
        page.goto(platform.base + path)
        _settle(page, name)
        callback(name)


def _overlap(a: dict, b: dict) -> float:
    width = min(a["x"] + a["width"], b["x"] + b["width"]) - max(a["x"], b["x"])
    height = min(a["y"] + a["height"], b["y"] + b["height"]) - max(a["y"], b["y"])
    return max(width, 0) * max(height, 0)


def test_every_page_fits_a_390_px_phone(platform, chromium_path):
    from playwright.sync_api import sync_playwright

    widths: dict[str, int] = {}
    with sync_playwright() as playwright:
        browser = open_browser(playwright, chromium_path)
        page = browser.new_page(viewport=PHONE)
        try:

            def measure(name: str) -> None:
                widths[name] = page.evaluate("document.documentElement.scrollWidth")
                if name != "detail":
                    return
                # The RT chart's legend stays off the plotting area.
                legend = page.locator("#rt-chart .legend").bounding_box()
                plot = page.locator("#rt-chart .nsewdrag").first.bounding_box()
                assert legend and plot and _overlap(legend, plot) == 0, (legend, plot)
                # The group selector stays inside its panel.
                select = page.locator("#rt-group").bounding_box()
                panel = page.locator("#rt-panel").bounding_box()
                assert select["x"] + select["width"] <= panel["x"] + panel["width"]

            _visit(page, platform, measure)
            # The navigation is reachable: every link of the header is on the screen.
            page.goto(f"{platform.base}/")
            for link in page.locator("header.site a, header.site button").all():
                box = link.bounding_box()
                assert box and box["x"] + box["width"] <= PHONE["width"], link.text_content()
        finally:
            browser.close()
    too_wide = {name: w for name, w in widths.items() if w > PHONE["width"]}
    assert len(widths) == 9 and not too_wide, widths


def _blocking(results) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {len(v['nodes'])} × {v['nodes'][0]['target']}"
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_axe_finds_no_serious_or_critical_violation_on_any_page(
    platform, chromium_path, axe, viewport
):
    from playwright.sync_api import sync_playwright

    found: dict[str, list[str]] = {}
    with sync_playwright() as playwright:
        browser = open_browser(playwright, chromium_path)
        page = browser.new_page(viewport=viewport)
        try:
            _visit(page, platform, lambda name: found.update({name: _blocking(axe.run(page))}))
        finally:
            browser.close()
    assert len(found) == 9
    assert {name: v for name, v in found.items() if v} == {}


@pytest.mark.parametrize("path", ["/api/redoc/", "/api/docs/"])
def test_the_api_viewers_load_without_console_errors_or_other_hosts(platform, chromium_path, path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = open_browser(playwright, chromium_path)
        page = browser.new_page(viewport=DESKTOP)
        watch = Watch(page, platform.base)
        try:
            sign_in(page, platform.base)
            page.goto(platform.base + path)
            _settle(page, "api reference" if "redoc" in path else "api docs")
            page.wait_for_timeout(500)  # images and fonts the viewer asks for after drawing
            assert watch.errors == [], watch.errors
            assert watch.foreign == [], f"requests to other hosts: {watch.foreign}"
        finally:
            browser.close()

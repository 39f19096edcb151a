"""The study pages in a real browser (headless Chromium, Playwright) against the real server:
a bad design is explained next to the form; six simulated samples and a typed design start a
study whose page follows the samples live over the WebSocket (its rows change without a reload
and without polling), then shows the figures, the species table with its filters, each sample's
page and the downloads; with the WebSocket refused, the page polls the API instead.

Skips when Chromium or Playwright is missing, unless ``GANGLIOSIDE_REQUIRE_SERVICES=1``.
"""

from __future__ import annotations

import re

import pytest

from tests.web.browser import (
    TIMEOUT_MS,
    Watch,
    open_browser,
    sign_in,
)
from tests.web.studies_data import study_files

pytestmark = pytest.mark.browser


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


#: Reports every change of a sample row's status to the test, with the id of the document
#: (a reload makes a new one), from a MutationObserver set up before the page's own scripts.
ROW_OBSERVER = """
window.__documentId = Math.random().toString(36).slice(2);
new MutationObserver(function (mutations) {
  mutations.forEach(function (m) {
    const row = m.target.closest && m.target.closest("#samples tr[data-sample]");
    if (row && m.target.classList.contains("badge")) {
      window.sampleRowChanged(window.__documentId, row.dataset.sample, m.target.dataset.status);
    }
  });
}).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-status"] });
"""


class RowChanges:
    """The sample rows' status changes the page made, by document."""

    def __init__(self, page) -> None:
        self.seen: list[tuple[str, str, str]] = []
        page.expose_function("sampleRowChanged", self._changed)
        page.add_init_script(ROW_OBSERVER)

    def _changed(self, document_id: str, sample_id: str, status: str) -> None:
        self.seen.append((document_id, sample_id, status))

    def succeeded_in(self, document_id: str) -> set[str]:
        return {s for d, s, status in self.seen if d == document_id and status == "succeeded"}


def _start_study(page, base: str, paths, design: str, name: str) -> None:
    page.goto(f"{base}/studies/new/")
    page.set_input_files("#id_files", [str(p) for p in paths])
    page.fill("#id_design", design)
    page.fill("#id_name", name)
    page.click("#start-study")
    page.wait_for_url(f"{base}/studies/*/")


def _statuses(page) -> dict[str, str]:
    """Sample row id → the status its row shows now."""
    return page.evaluate(
        """() => Object.fromEntries(Array.from(document.querySelectorAll(
             "#samples tr[data-sample]")).map(r => [r.dataset.sample,
             r.querySelector(".sample-status .badge").dataset.status]))"""
    )


def _told_succeeded(frames: list[dict]) -> set[str]:
    """The sample row ids the WebSocket reported succeeded (in a sample's event, or in the
    state sent on connect when the sample was done before the socket was open)."""
    samples = [f for f in frames if f.get("type") == "sample"]
    for state in (f for f in frames if f.get("type") == "state"):
        samples.extend(state["samples"])
    return {str(s["sample_id"]) for s in samples if s["status"] == "succeeded"}


def _wait_study_done(page, platform) -> None:
    try:
        # The downloads are drawn by the server once the study succeeded (after the reload).
        page.wait_for_selector("#downloads", timeout=180_000)
    except Exception as exc:  # pragma: no cover - shown with the server's logs
        raise AssertionError(f"{exc}\n{platform.logs()}") from None


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
    rows = RowChanges(page)
    platform.stop_worker()
    _start_study(page, platform.base, paths, design, "browser study")
    first_document = page.evaluate("() => window.__documentId")
    at_load = _statuses(page)
    assert len(at_load) == 6
    if platform.mode == "celery":  # the samples wait for the worker: connected first
        page.wait_for_function("() => document.getElementById('live').textContent === 'live'")
    platform.start_worker()
    _wait_study_done(page, platform)
    assert page.locator('#study-status .badge[data-status="succeeded"]').count() == 1
    assert page.locator("#samples tbody tr").count() == 6
    assert page.locator('#samples .badge[data-status="succeeded"]').count() == 6

    # Live: every row not done when the page was served turned "succeeded" in that same
    # document (no reload), told by the WebSocket, and the page never polled the API.
    pending = {sid for sid, status in at_load.items() if status != "succeeded"}
    assert pending <= rows.succeeded_in(first_document)
    assert pending <= _told_succeeded(watch.frames)
    if platform.mode == "celery":  # the worker started after the page: all of it was live
        assert len(pending) == 6
        statuses = [f["status"] for f in watch.frames if f.get("type") == "status"]
        assert statuses == ["combining", "succeeded"]
    assert watch.study_polls == [], "the page polled although the WebSocket worked"

    page.wait_for_selector('#figure-volcano[data-drawn="true"] .main-svg')
    for name in ("heatmap", "pca", "composition", "drift"):
        assert page.locator(f'#figure-{name}[data-drawn="true"]').count() == 1
    # each figure saves as PNG (the camera) and as SVG (the disk) from its toolbar
    page.hover("#figure-volcano")
    with page.expect_download() as svg:
        page.click('#figure-volcano .modebar-btn[data-title="Download plot as SVG"]')
    assert svg.value.suggested_filename == "study-volcano.svg"
    assert "<svg" in svg.value.path().read_text(encoding="utf-8")[:500]
    with page.expect_download() as png:
        page.click('#figure-volcano .modebar-btn[data-title="Download plot as a PNG"]')
    assert png.value.suggested_filename == "study-volcano.png"
    assert png.value.path().read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

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


def test_the_study_page_falls_back_to_polling_when_the_websocket_fails(platform, page, table_paths):
    paths, design = table_paths
    watch = Watch(page, platform.base)
    rows = RowChanges(page)
    # Every WebSocket of a study page is refused.
    page.route_web_socket(re.compile(r"/ws/studies/"), lambda ws: ws.close())
    platform.stop_worker()
    _start_study(page, platform.base, paths, design, "polled study")
    first_document = page.evaluate("() => window.__documentId")
    pending = {sid for sid, status in _statuses(page).items() if status != "succeeded"}
    if platform.mode == "celery":
        page.wait_for_function(
            "() => document.getElementById('live').textContent.indexOf('every') >= 0"
        )
    platform.start_worker()
    _wait_study_done(page, platform)
    assert page.locator('#samples .badge[data-status="succeeded"]').count() == 6
    # Unless the samples were done before the page was served, it polled and its rows changed.
    assert not pending or watch.study_polls, "the page did not poll the API"
    assert pending <= rows.succeeded_in(first_document)
    assert watch.errors == [] and watch.foreign == []

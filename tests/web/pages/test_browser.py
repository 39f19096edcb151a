"""The pages in a real browser: headless Chromium (Debian's package) driven by Playwright, against
the real ASGI server (``ganglioside serve``) in a subprocess.

Sign in, upload measured_sample.csv, watch the progress reach done over the WebSocket without a
reload, see the chart and the outlier rows, sort, download a file; and the same page falling
back to polling the API when the WebSocket cannot connect.

With ``REDIS_URL`` set (as ``.ci/run`` does) analyses run in a real Celery worker that the test
starts only once the page is watching, so every progress event is seen.  Without it they run in
the server's thread pool (``make run``), which may finish before the page connects; the test
then checks what the page could see.

Skips when Chromium or Playwright is missing, unless ``GANGLIOSIDE_REQUIRE_SERVICES=1``.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

import ganglioside
from ganglioside.result import PROGRESS_STEPS
from tests.web.browser import (
    TIMEOUT_MS,
    Platform,
    Watch,
    open_browser,
    sign_in,
)
from tests.web.conftest import SAMPLE_CSV

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def sample_result() -> ganglioside.AnalysisResult:
    """The core's own analysis of the sample: what the pages must show."""
    return ganglioside.analyze(SAMPLE_CSV)


def _upload(page, base: str, name: str) -> int:
    page.goto(f"{base}/analyses/new/")
    # The form shows every parameter at its default.
    assert page.input_value("input[name=outlier_z]") == "2.5"
    page.set_input_files("input[name=file]", str(SAMPLE_CSV))
    assert "measured_sample.csv" in page.text_content("#file-choice")
    page.fill("input[name=name]", name)
    page.click("#start")
    page.wait_for_url(re.compile(rf"{re.escape(base)}/analyses/\d+/$"), timeout=60_000)
    return int(re.search(r"/analyses/(\d+)/$", page.url).group(1))


def _wait_done(page, platform: Platform) -> None:
    try:
        page.wait_for_selector('#status-badge .badge[data-status="succeeded"]', timeout=TIMEOUT_MS)
        page.wait_for_selector("#results", timeout=30_000)
    except Exception as exc:
        raise AssertionError(f"the page did not reach done: {exc}\n{platform.logs()}") from exc


def test_upload_watch_progress_over_the_websocket_explore_and_download(
    platform, chromium_path, sample_result, tmp_path
):
    from playwright.sync_api import sync_playwright

    comp = sample_result.compounds
    n_outliers = int((comp["status"] == "outlier").sum())
    assert n_outliers > 0
    with sync_playwright() as playwright:
        browser = open_browser(playwright, chromium_path)
        context = browser.new_context(
            viewport={"width": 1400, "height": 1000}, accept_downloads=True
        )
        page = context.new_page()
        watch = Watch(page, platform.base)
        try:
            sign_in(page, platform.base)
            platform.stop_worker()
            analysis_id = _upload(page, platform.base, "browser run")

            # A mark on the window: still there at the end means the page never reloaded.
            page.evaluate("() => { window.__sameDocument = true; }")
            page.wait_for_function(
                "() => document.querySelector('#live, #results') !== null", timeout=30_000
            )
            first = None
            if platform.mode == "celery":
                # The run waits for a worker: the page shows it queued, live.
                page.wait_for_selector("#live.on", timeout=30_000)
                first = watch.frames[0] if watch.frames else None
                assert first and first["type"] == "state" and first["status"] == "queued"
                assert "Waiting" in page.text_content("#progress-message")
                platform.start_worker()
            _wait_done(page, platform)
            assert page.evaluate("() => window.__sameDocument === true"), "the page reloaded"

            # The progress arrived over the WebSocket.
            assert watch.frames, "no WebSocket message"
            assert watch.frames[0]["type"] == "state"
            steps = [f["step"] for f in watch.frames if f.get("type") == "progress"]
            state = watch.frames[0]
            final = watch.frames[-1]
            if state["status"] == "queued" or (
                state["status"] == "running" and state["fraction"] < 1
            ):
                assert steps, f"no progress event: {watch.frames}"
                assert steps[-1] == "summary"
                assert final["type"] == "status" and final["status"] == "succeeded"
                assert page.get_attribute("#progress-bar", "aria-valuenow") == "100"
            elif state["status"] == "running":
                # Threads mode only: the page connected while the downloads were being written
                # (the last step, at 100 %): no step is left to report, only the end.
                assert platform.mode == "threads" and state["step"] == "summary"
                assert final["type"] == "status" and final["status"] == "succeeded"
                assert page.get_attribute("#progress-bar", "aria-valuenow") == "100"
            else:
                # Threads mode only: the run ended before the page connected.
                assert platform.mode == "threads"
                assert state["status"] == "succeeded"
            if platform.mode == "celery":
                # The worker started after the page connected: every step was seen.
                seen = [s for s in PROGRESS_STEPS if s in steps]
                assert seen == list(PROGRESS_STEPS)
            assert watch.api_polls == [], "the page polled although the WebSocket worked"

            # Summary cards: the core's counts.
            outlier_card = page.text_content('[data-card="outlier"] .n')
            assert int(outlier_card) == n_outliers

            # The RT chart: a Plotly plot with point traces, outliers among them.
            page.wait_for_function(
                "() => { const c = document.getElementById('rt-chart');"
                " return c && c.data && c.data.length > 0; }",
                timeout=30_000,
            )
            names = page.evaluate("document.getElementById('rt-chart').data.map(t => t.name || '')")
            assert any(n.startswith("anchor") for n in names), names
            assert page.locator("#rt-chart .scatterlayer .point").count() > 10
            group = page.input_value("#rt-group")
            group_rows = comp[(comp["group_key"] == group) & comp["rt"].notna()]
            group_outliers = int((group_rows["status"] == "outlier").sum())
            if group_outliers:
                assert any(n.startswith(f"outlier ({group_outliers})") for n in names), names
            for chart in ("abundance-category", "abundance-headgroup"):
                assert page.locator(f"#{chart} .main-svg").count() > 0, chart

            # The compound table: every row counted, filtered to the outliers.
            page.wait_for_function(
                "n => document.getElementById('compounds-count').textContent === n",
                arg=f"{len(comp)} matching rows",
                timeout=30_000,
            )
            page.select_option("#compound-filters select[name=status]", "outlier")
            page.wait_for_function(
                "n => document.getElementById('compounds-count').textContent === n",
                arg=f"{n_outliers} matching rows",
                timeout=30_000,
            )
            statuses = page.eval_on_selector_all(
                "#compounds tbody tr", "rows => rows.map(r => r.dataset.status)"
            )
            assert statuses == ["outlier"] * min(50, n_outliers)
            # The identification filter: the standards (level 1) are the anchors.
            page.select_option("#compound-filters select[name=status]", "")
            page.select_option("#compound-filters select[name=identification_level]", "1")
            page.wait_for_function(
                "n => document.getElementById('compounds-count').textContent === n",
                arg=f"{int(comp['is_anchor'].sum())} matching rows",
                timeout=30_000,
            )
            assert "level=1" in page.url
            page.select_option("#compound-filters select[name=identification_level]", "")
            page.select_option("#compound-filters select[name=status]", "outlier")
            page.wait_for_function(
                "n => document.getElementById('compounds-count').textContent === n",
                arg=f"{n_outliers} matching rows",
                timeout=30_000,
            )
            # Sorted by the size of z, largest first (one click on the header).
            page.click("#compounds th[data-order=abs_z]")
            page.wait_for_selector('#compounds th[data-order=abs_z][aria-sort="descending"]')
            outliers = comp[comp["status"] == "outlier"].dropna(subset=["z"])
            top = outliers.loc[outliers["z"].abs().idxmax()]
            page.wait_for_function(
                "r => document.querySelector('#compounds tbody tr').dataset.row === r",
                arg=str(int(top["row"])),
                timeout=30_000,
            )
            page.screenshot(path=str(tmp_path / "analysis.png"), full_page=True)

            # A download: the compounds CSV, the core's statuses row by row.
            with page.expect_download(timeout=60_000) as info:
                page.click('a[data-download="csv"]')
            download = info.value
            assert download.suggested_filename == f"analysis_{analysis_id}_compounds.csv"
            text = Path(download.path()).read_text(encoding="utf-8-sig")
            rows = list(csv.DictReader(io.StringIO(text)))
            assert [r["status"] for r in rows] == list(comp["status"])

            assert watch.errors == [], watch.errors
            assert watch.foreign == [], f"requests to other hosts: {watch.foreign}"
        finally:
            platform.stop_worker()
            browser.close()


def test_the_page_falls_back_to_polling_when_the_websocket_fails(
    platform, chromium_path, sample_result
):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = open_browser(playwright, chromium_path)
        page = browser.new_page()
        watch = Watch(page, platform.base)
        try:
            sign_in(page, platform.base)
            # Every WebSocket of this page is refused.
            page.route_web_socket(re.compile(r"/ws/analyses/"), lambda ws: ws.close())
            platform.stop_worker()
            _upload(page, platform.base, "polled run")
            page.evaluate("() => { window.__sameDocument = true; }")
            if platform.mode == "celery":
                page.wait_for_function(
                    "() => document.getElementById('live').textContent.indexOf('every') >= 0",
                    timeout=30_000,
                )
                platform.start_worker()
                _wait_done(page, platform)
                assert watch.api_polls, "the page did not poll the API"
            else:
                was_running = page.locator("#live").count() > 0
                _wait_done(page, platform)
                # Unless the run ended before the page was served, the page polled.
                assert not was_running or watch.api_polls, "the page did not poll the API"
            assert page.evaluate("() => window.__sameDocument === true"), "the page reloaded"
            outliers = int((sample_result.compounds["status"] == "outlier").sum())
            assert int(page.text_content('[data-card="outlier"] .n')) == outliers
            assert watch.errors == [], watch.errors
        finally:
            platform.stop_worker()
            browser.close()

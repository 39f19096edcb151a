"""Downloads in a real browser right when they are most likely to be missing: clicked the moment
the run finishes, and right after a curation decision (which drops the files).  Each click
yields the file itself, never a page saved as the file (issue 21, item 1)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from tests.web.browser import TIMEOUT_MS, open_browser, sign_in
from tests.web.conftest import SAMPLE_CSV

pytestmark = pytest.mark.browser


def _csv_rows(download) -> list[dict[str, str]]:
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    assert not text.lstrip().startswith("<"), text[:200]  # a file, not a page
    return list(csv.DictReader(io.StringIO(text)))


def test_the_download_clicked_as_the_run_finishes_and_after_a_decision_is_the_file(
    platform, chromium_path
):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = open_browser(playwright, chromium_path)
        page = browser.new_context(accept_downloads=True).new_page()
        try:
            sign_in(page, platform.base)
            platform.start_worker()
            page.goto(f"{platform.base}/analyses/new/")
            page.set_input_files("input[name=file]", str(SAMPLE_CSV))
            page.click("#start")
            page.wait_for_url(re.compile(r".*/analyses/\d+/$"), timeout=60_000)
            analysis_id = int(re.search(r"/analyses/(\d+)/$", page.url).group(1))
            page.wait_for_selector(
                '#status-badge .badge[data-status="succeeded"]', timeout=TIMEOUT_MS
            )
            page.wait_for_selector('a[data-download="csv"]', timeout=30_000)
            # at once, the moment the page says succeeded
            with page.expect_download(timeout=60_000) as info:
                page.click('a[data-download="csv"]')
            rows = _csv_rows(info.value)
            assert len(rows) == 323
            assert info.value.suggested_filename == f"analysis_{analysis_id}_compounds.csv"

            # a decision drops the files; the next click shows progress, then the file
            page.goto(f"{platform.base}/analyses/{analysis_id}/rows/3/")  # its decision form
            page.select_option("select[name=action]", "status")
            page.select_option("select[name=status]", "invalid")
            page.fill("[name=reason]", "checked the spectrum: not a ganglioside")
            page.click("#decision-form button[type=submit]")
            page.wait_for_url(re.compile(rf".*/analyses/{analysis_id}/rows/3/$"), timeout=60_000)
            page.goto(f"{platform.base}/analyses/{analysis_id}/")
            with page.expect_download(timeout=120_000) as info:
                page.click('a[data-download="csv"]')
            rows = _csv_rows(info.value)
            assert len(rows) == 323
            assert rows[2]["status"] == "invalid"  # the decision is in the file
        except Exception as exc:
            raise AssertionError(f"{exc}\n{platform.logs()}") from exc
        finally:
            platform.stop_worker()
            browser.close()

"""In a real browser: an unrecognised table goes through the column-mapping form, runs, and
the next file with the same columns finds the mapping filled in; the choice page and the
Methods pages have no serious or critical accessibility violation (axe-core, when installed)."""

from __future__ import annotations

import re

import pytest

from tests.web.browser import TIMEOUT_MS, open_browser, running_platform, sign_in
from tests.web.methods.test_methods import UNRECOGNISED
from tests.web.pages.test_browser_pages import _blocking

pytestmark = pytest.mark.browser


def _upload_unrecognised(page, base: str, path) -> None:
    page.goto(f"{base}/analyses/new/")
    page.set_input_files("input[name=file]", str(path))
    page.click("#start")
    page.wait_for_url(re.compile(rf"{re.escape(base)}/analyses/new/[0-9a-f]+/$"), timeout=60_000)


def test_mapping_form_maps_runs_and_is_offered_again(tmp_path_factory, chromium_path):
    from playwright.sync_api import sync_playwright

    folder = tmp_path_factory.mktemp("browser-methods")
    table = folder / "lab_export.csv"
    table.write_bytes(UNRECOGNISED)
    with running_platform(folder / "platform") as platform, sync_playwright() as playwright:
        browser = open_browser(playwright, chromium_path)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        try:
            platform.start_worker()  # with Redis the runs go to Celery; without, no-op
            sign_in(page, platform.base)
            _upload_unrecognised(page, platform.base, table)
            assert page.text_content("h1") == "Which column gives what?"
            page.select_option("select[name=name]", "Metabolite")
            page.select_option("select[name=rt]", "Retention")
            page.select_option("select[name=volume]", "Intensity")
            page.click("#start")
            page.wait_for_url(re.compile(r"/analyses/\d+/$"), timeout=60_000)
            page.wait_for_selector(
                '#status-badge .badge[data-status="succeeded"]', timeout=TIMEOUT_MS
            )
            page.reload()
            assert "read as columns mapping" in page.text_content("#input-format")

            _upload_unrecognised(page, platform.base, table)
            assert page.input_value("select[name=name]") == "Metabolite"
            assert page.input_value("select[name=rt]") == "Retention"
            assert page.input_value("select[name=volume]") == "Intensity"
            assert page.input_value("select[name=log_p]") == ""
            _check_accessibility(page, platform.base)
        except Exception as exc:
            raise AssertionError(f"{exc}\n{platform.logs()}") from exc
        finally:
            browser.close()


def _check_accessibility(page, base: str) -> None:
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        return
    axe = Axe()
    found = {"choice": _blocking(axe.run(page))}
    for name, path in (("methods", "/methods/"), ("new method", "/methods/new/")):
        page.goto(f"{base}{path}")
        found[name] = _blocking(axe.run(page))
    assert not any(found.values()), found

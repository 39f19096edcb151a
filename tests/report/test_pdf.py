"""``report.pdf``: pages and text read back with poppler (pdfinfo, pdftotext, pdfimages), pages
rendered to PNG with pdftoppm."""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import ganglioside
from ganglioside.report import pdf
from tests.paths import PACKAGE_DATA

#: Each test here runs whole analyses or studies: left out of `make check`.
pytestmark = pytest.mark.slow


SAMPLE = PACKAGE_DATA / "measured_sample.csv"
TOOLS = ("pdfinfo", "pdftotext", "pdftoppm", "pdfimages")


@pytest.fixture(scope="module", autouse=True)
def _poppler():
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        message = f"needs poppler-utils ({', '.join(missing)} missing)"
        if os.environ.get("GANGLIOSIDE_REQUIRE_SERVICES", "") in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def result() -> ganglioside.AnalysisResult:
    return ganglioside.analyze(SAMPLE)


@pytest.fixture(scope="module")
def report(result, tmp_path_factory) -> Path:
    return pdf.write_pdf(result, tmp_path_factory.mktemp("pdf") / "report.pdf")


def _run(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def _pages(path: Path) -> list[str]:
    """The text of each page."""
    return _run("pdftotext", "-layout", str(path), "-").split("\f")[:-1]


def test_the_report_is_a_pdf_of_the_summary_charts_tables_and_parameters(result, report):
    assert report.read_bytes().startswith(b"%PDF-")
    info = _run("pdfinfo", str(report))
    assert re.search(r"Title: +Ganglioside analysis of measured_sample.csv", info)
    pages = _pages(report)
    assert len(pages) == int(
        next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1]
    )
    first = pages[0]
    assert "Ganglioside analysis" in first and f"ganglioside {ganglioside.__version__}" in first
    by_status = result.summary["by_status"]
    for status in ("valid", "outlier", "fragment"):
        assert f"{status}" in first and str(by_status[status]) in first
    assert "Warnings about the file" in first and "rows 70, 72" in first
    text = "\n".join(pages)
    for heading in (
        "Retention time against Log P",
        "Observed against predicted retention time",
        "Rows to review",
        "Retention-time models",
        "Fragment links",
        "Parameters and version",
    ):
        assert heading in text, heading
    # Every row to review is listed, with its number and name.
    outliers = result.compounds[result.compounds["status"] == "outlier"]
    review = "\n".join(p for p in pages if p.lstrip().startswith("Rows to review"))
    for row in outliers.itertuples():
        assert f"{row.row} " in review and str(row.name)[:20] in review
    for model in result.models:
        assert model.model_id[:20] in text
    assert "outlier_z" in pages[-1] and "2.5" in pages[-1]


def test_the_charts_are_vector_graphics(report):
    # No raster image anywhere: points, lines, bars and text are all drawn as vectors.
    listing = _run("pdfimages", "-list", str(report)).splitlines()
    assert len(listing) == 2, listing  # the header lines only


def test_every_page_renders(report, tmp_path):
    from PIL import Image

    _run("pdftoppm", "-r", "40", "-png", str(report), str(tmp_path / "page"))
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == len(_pages(report))
    for image in images:
        with Image.open(image) as picture:
            assert picture.size[1] > picture.size[0]  # A4 portrait
            histogram = picture.convert("L").histogram()
            inked = sum(histogram[:200])
            assert inked > 500, image.name  # something is drawn on every page


def test_long_tables_are_capped_and_say_where_the_rest_is(result, tmp_path, monkeypatch):
    monkeypatch.setattr(pdf, "MAX_REVIEW_ROWS", 10)
    monkeypatch.setattr(pdf, "MAX_FRAGMENT_ROWS", 5)
    text = "\n".join(_pages(pdf.write_pdf(result, tmp_path / "capped.pdf")))
    n_review = int(result.compounds["status"].isin(pdf.REVIEW_STATUSES).sum())
    assert f"The first 10 of {n_review}; every row is in compounds.csv." in text
    assert f"The first 5 of {len(result.fragments)}" in text


def test_the_decisions_of_a_curator_are_a_page_of_their_own(result, tmp_path):
    curated = copy.copy(result)
    curated.summary = {
        **result.summary,
        "curation": {
            "overrides": 1,
            "decisions": [
                {
                    "decided_at": "2026-11-30T10:00:00+00:00",
                    "user": "alice",
                    "row": 3,
                    "name": "GD1(34:1;O2)",
                    "action": "status",
                    "status": "valid",
                    "reason": "confirmed by its MS2 spectrum",
                }
            ],
        },
    }
    pages = _pages(pdf.write_pdf(curated, tmp_path / "curated.pdf"))
    decisions = next(p for p in pages if "Decisions about rows" in p)
    assert "alice" in decisions and "confirmed by its MS2 spectrum" in decisions
    assert "status valid" in decisions
    assert "1 rows, 1 decisions" in pages[0]


def test_pdf_bytes_is_the_same_report(result):
    content = pdf.pdf_bytes(result)
    assert content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF")

"""The PDF report as a download of the web platform (the API's export format ``pdf`` and the
analysis page's link), with the curator's decisions in it."""

from __future__ import annotations

import shutil
import subprocess

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.slow
def test_the_pdf_report_downloads_from_the_api_and_the_page(api, client, user, finished_analysis):
    response = api.get(f"/api/v1/analyses/{finished_analysis.pk}/export/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].endswith('_report.pdf"')
    pdf = response.getvalue()  # a streamed file: read once
    assert pdf.startswith(b"%PDF-")
    client.force_login(user)
    page = client.get(f"/analyses/{finished_analysis.pk}/").content.decode()
    link = f"/analyses/{finished_analysis.pk}/download/pdf/"
    assert f'href="{link}"' in page
    assert client.get(link).getvalue() == pdf  # kept, not rendered again


@pytest.mark.slow
def test_the_pdf_report_shows_the_decisions(api, finished_analysis, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("needs pdftotext (poppler-utils)")
    api.post(
        f"/api/v1/analyses/{finished_analysis.pk}/decisions/",
        {"row": 3, "action": "status", "status": "valid", "reason": "seen in the MS2 spectrum"},
        format="json",
    )
    content = api.get(f"/api/v1/analyses/{finished_analysis.pk}/export/pdf").getvalue()
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Decisions about rows" in text and "seen in the MS2 spectrum" in text
    review = next(page for page in text.split("\f") if "Rows to review" in page)
    line = next(line for line in review.splitlines() if line.lstrip().startswith("3 "))
    assert "valid" in line and "curator" in line

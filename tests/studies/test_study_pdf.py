"""``study_report.pdf``: the study on A4 pages, written with the study's other files."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from ganglioside.simulate.study import simulate_study
from ganglioside.studies import pdf, study
from ganglioside.studies.outputs import write_study
from ganglioside.studies.plots import clustered_z

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def result():
    sim = simulate_study(3, n_per_group=3, n_rows=80)
    return study(sim.design, tables=sim.tables)


class _Pages:
    """Collects the figures a section saves (in place of ``PdfPages``)."""

    def __init__(self) -> None:
        self.figures: list = []

    def savefig(self, figure) -> None:
        self.figures.append(figure)


@pytest.mark.slow
def test_the_pdf_has_a_page_per_section_and_part(result, monkeypatch):
    monkeypatch.setattr(pdf, "HEATMAP_ROWS", 30)
    content = pdf.study_pdf_bytes(result)
    assert content[:5] == b"%PDF-"
    rows = len(clustered_z(result)[0])
    heatmap_pages = -(-rows // 30)
    compounds = -(-len(result.main_statistics) // 44)  # rows of a table page
    pages = len(re.findall(rb"/Type\s*/Page\b", content))
    assert pages == 3 + heatmap_pages + compounds + 1  # summary, charts, boxes … samples


def test_the_heatmap_labels_every_row_and_shows_the_groups(result, monkeypatch):
    monkeypatch.setattr(pdf, "HEATMAP_ROWS", 30)
    pages = _Pages()
    pdf._heatmap_pages(pages, result)
    shown, labels = clustered_z(result)
    drawn = []
    for figure in pages.figures:
        bar, heat = figure.axes[0], figure.axes[1]
        rows = heat.get_images()[0].get_array().shape[0]
        # the texts left of the heatmap: one at each row's height, in the rows' order
        at_left = [t for t in heat.texts if t.get_position()[0] < 0]
        assert [t.get_position()[1] for t in at_left] == list(range(rows))
        drawn += [t.get_text() for t in at_left]
        # and every sample named below its column
        below = [t.get_text() for t in heat.texts if t.get_position()[1] < 0]
        assert below == [str(c) for c in shown.columns]
        assert all(g in bar.get_title(loc="left") for g in result.design.groups)
    assert drawn == labels and len(drawn) == len(shown)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils (pdftotext)")
def test_every_heatmap_row_and_sample_is_named_in_the_pdf_text(result, tmp_path, monkeypatch):
    monkeypatch.setattr(pdf, "HEATMAP_ROWS", 30)
    path = pdf.write_study_pdf(result, tmp_path / "study_report.pdf")
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    shown, labels = clustered_z(result)
    pages = [p for p in text.split("\f") if "Compounds × samples" in p]
    assert len(pages) == -(-len(shown) // 30)
    lines = [set(p.splitlines()) for p in pages]
    for number, page in enumerate(lines):
        assert set(labels[number * 30 : (number + 1) * 30]) <= page, number
        assert {str(c) for c in shown.columns} <= page, number


@pytest.mark.slow
def test_the_box_plots_are_titled_with_their_compound_and_q(result):
    pages = _Pages()
    pdf._box_page(pages, result)
    titles = [ax.get_title(loc="left") for ax in pages.figures[0].axes if ax.get_visible()]
    best = result.main_statistics.nsmallest(1, "q_value").iloc[0]
    assert titles[0].replace("\n", "").startswith(str(best["name"])[:20])
    assert all("\nq " in t for t in titles)


@pytest.mark.slow
def test_write_study_writes_the_pdf(result, tmp_path):
    paths = write_study(result, tmp_path, images=False)
    assert paths["study_report.pdf"].read_bytes()[:5] == b"%PDF-"

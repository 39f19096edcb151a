"""The web platform's second pass (issue 21), server side: the upload limit counts only what
starts, an analysis of one chosen sample is named after file and sample, the sample-choice page
speaks to a scientist, the row page leads with a curator's decision, and the stored RT models
keep a bent line's quadratic term for the charts.  The browser tests are in
``test_browser_second_pass.py``."""

from __future__ import annotations

import base64
import html
import json
import re

import numpy as np
import pytest
from django.urls import reverse

from ganglioside.simulate import simulate
from ganglioside.web.analyses.models import Analysis, RTModel
from ganglioside.web.analyses.services import curation, running, submission
from ganglioside.web.studies.models import Study
from tests.web.conftest import make_upload
from tests.web.methods.test_methods import MSDIAL, UNRECOGNISED, msdial_upload
from tests.web.studies_data import study_files, uploads

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_per_minute(settings):
    settings.GANGLIOSIDE_RATES = {**settings.GANGLIOSIDE_RATES, "uploads": "2/min"}


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


# -- 6: only what starts counts against the upload limit ---------------------------------------


def test_a_file_refused_at_the_choice_page_does_not_count(signed_in, sample_bytes, two_per_minute):
    """An unrecognised table is kept to ask which column gives what; mapped to columns it
    cannot be read with, it is refused there: neither step uses up the limit."""
    asked = signed_in.post(reverse("pages:upload"), {"file": make_upload(UNRECOGNISED, "lab.csv")})
    assert asked.status_code == 302 and "/analyses/new/" in asked["Location"]
    refused = signed_in.post(
        asked["Location"], {"name": "Metabolite", "rt": "Intensity", "volume": "Retention"}
    )
    assert refused.status_code == 400
    assert "cannot be analysed" in refused.content.decode()
    codes = [
        signed_in.post(reverse("pages:upload"), {"file": make_upload(sample_bytes)}).status_code
        for _ in range(3)
    ]
    assert codes == [302, 302, 429]
    assert Analysis.objects.count() == 2


@pytest.mark.slow
def test_a_chosen_sample_counts_once(signed_in, sample_bytes, two_per_minute):
    asked = signed_in.post(reverse("pages:upload"), {"file": msdial_upload()})
    assert signed_in.post(asked["Location"], {"sample": "Brain_KO_1"}).status_code == 302
    second = signed_in.post(reverse("pages:upload"), {"file": make_upload(sample_bytes)})
    third = signed_in.post(reverse("pages:upload"), {"file": make_upload(sample_bytes)})
    assert (second.status_code, third.status_code) == (302, 429)


def test_refused_studies_do_not_count(api, two_per_minute, django_capture_on_commit_callbacks):
    tables, design = study_files()
    empty = {**tables, sorted(tables)[0]: b""}
    bad_design = "sample,file,group\nA,C01.csv,x\nB,nope.csv,x\nC,C02.csv,y\n"

    def post(files, design=design):
        with django_capture_on_commit_callbacks(execute=False):
            return api.post(
                "/api/v1/studies/", {"files": uploads(files), "design": design}, format="multipart"
            )

    assert post(empty).status_code == 400  # an unreadable (empty) table
    assert post(tables, bad_design).status_code == 400
    assert [post(tables).status_code for _ in range(3)] == [202, 202, 429]
    assert Study.objects.count() == 2


def test_a_refused_study_page_does_not_count(signed_in, two_per_minute):
    tables, design = study_files()
    bad = {**tables, sorted(tables)[0]: b""}

    def post(files):
        return signed_in.post(
            reverse("studies:new"), {"files": uploads(files), "design": design}
        ).status_code

    assert post(bad) == 400
    assert [post(tables) for _ in range(3)] == [302, 302, 429]


# -- 5: a chosen sample names its analysis; the choice page speaks to a scientist --------------


def test_an_analysis_of_one_chosen_sample_is_named_after_file_and_sample(signed_in):
    asked = signed_in.post(reverse("pages:upload"), {"file": msdial_upload()})
    page = signed_in.get(asked["Location"]).content.decode()
    assert "--sample" not in page and "analyze_samples" not in page
    assert "holds the peaks of 4 samples" in page
    # each radio button inside its own label
    assert len(re.findall(r'<label class="choice"[^>]*>\s*<input type="radio"', page)) == 5
    signed_in.post(asked["Location"], {"sample": "Brain_KO_1"})
    assert Analysis.objects.get().name == f"{MSDIAL.name} · Brain_KO_1"


def test_a_given_name_is_kept_for_one_sample(user):
    analysis = submission.analysis_create(
        owner=user, file=msdial_upload(), name="my run", sample="QC_01", start=False
    )
    assert analysis.name == "my run"


@pytest.mark.slow
def test_the_detail_page_names_the_chosen_sample_before_the_run(signed_in, user):
    analysis = submission.analysis_create(
        owner=user, file=msdial_upload(), sample="QC_01", start=False
    )
    page = signed_in.get(reverse("pages:analysis", args=[analysis.pk])).content.decode()
    assert re.search(r'id="input-format">sample QC_01<', page)
    running.analysis_run(analysis_id=analysis.pk)
    outcome = signed_in.get(reverse("pages:analysis-outcome", args=[analysis.pk])).content
    template = re.search(
        r'<template id="outcome-input-read">(.*?)</template>', outcome.decode(), re.S
    )
    assert (
        template and "read as MS-DIAL" in template.group(1) and "sample QC_01" in template.group(1)
    )


# -- 4: the row page leads with the curator's decision -----------------------------------------


@pytest.mark.slow
def test_the_row_page_leads_with_the_decision_then_the_computed_verdict(
    signed_in, user, finished_analysis
):
    row = (
        finished_analysis.compounds.filter(status="outlier")
        .order_by("row")
        .values_list("row", flat=True)[0]
    )
    reason = "second peak of a known isomer; checked the spectrum"
    curation.decision_create(
        analysis=finished_analysis, user=user, row=row, action="status", status="valid",
        reason=reason,
    )  # fmt: skip
    page = signed_in.get(reverse("pages:analysis-row", args=[finished_analysis.pk, row]))
    text = page.content.decode()
    verdict = text[text.index('id="verdict"') :]
    assert "Decided valid by a curator" in verdict
    assert verdict.index(reason) < verdict.index("Computed verdict, before the decision: outlier")
    assert verdict.index("Computed verdict") < verdict.index('id="row-reasons"')
    assert "Why valid" not in text


def _numbers(value) -> np.ndarray:
    """A figure's numbers: a list, or a base64 typed array (``{"dtype", "bdata"}``)."""
    if isinstance(value, dict):
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
    return np.asarray(value, float)


# -- 2: the stored models keep a bent line's quadratic term ------------------------------------


@pytest.mark.slow
def test_the_rt_chart_of_a_stored_bent_analysis_draws_curved_lines(signed_in, user):
    table = simulate(5, rt_curvature=-0.06).table.to_csv(index=False).encode()
    analysis = submission.analysis_create(
        owner=user, file=make_upload(table, "bent.csv"), start=False
    )
    running.analysis_run(analysis_id=analysis.pk)
    model = RTModel.objects.get(analysis=analysis, model_id="group:GT1")
    assert model.curvature is not None and "GT1" in model.centres
    chart = signed_in.get(reverse("pages:analysis-rt-chart", args=[analysis.pk]) + "?group=GT1")
    figure = json.loads(chart.content)["figure"]
    lines = [t for t in figure["data"] if t.get("mode") == "lines" and "track" in t.get("name", "")]
    assert len(lines) == 2
    for line in lines:
        xs, ys = _numbers(line["x"]), _numbers(line["y"])
        chord = ys[0] + (ys[-1] - ys[0]) * (xs - xs[0]) / (xs[-1] - xs[0])
        assert np.abs(ys - chord).max() > 0.1


# -- 3: a study's sample opened with the analysis pages ----------------------------------------


@pytest.mark.slow
def test_a_study_sample_opens_as_the_analysis_the_study_used(
    signed_in, api, django_capture_on_commit_callbacks
):
    import io

    import pandas as pd

    from ganglioside.web.studies.models import StudySample

    tables, design = study_files()
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post(
            "/api/v1/studies/", {"files": uploads(tables), "design": design}, format="multipart"
        )
    assert created.status_code == 202
    sample = StudySample.objects.filter(study_id=created.json()["id"]).first()
    page = reverse("studies:sample", args=[sample.study_id, sample.pk])
    assert 'id="open-analysis"' in signed_in.get(page).content.decode()
    url = reverse("studies:sample-analysis", args=[sample.study_id, sample.pk])
    with django_capture_on_commit_callbacks(execute=True):
        opened = signed_in.post(url)
    analysis = Analysis.objects.get(study_sample=sample)
    assert opened["Location"] == reverse("pages:analysis", args=[analysis.pk])
    analysis.refresh_from_db()
    assert analysis.status == "succeeded", analysis.error_message
    assert analysis.name.endswith(f" · {sample.sample}")
    # the same verdicts as the study's run of the sample, row by row
    study_rows = pd.read_csv(io.BytesIO(bytes(sample.compounds)))
    ours = dict(analysis.compounds.values_list("row", "status"))
    assert {int(r): s for r, s in zip(study_rows["row"], study_rows["status"], strict=True)} == ours
    # opened once: the second request goes to the same analysis
    assert signed_in.post(url)["Location"] == opened["Location"]
    text = signed_in.get(page).content.decode()
    assert 'id="sample-analysis-link"' in text
    assert reverse("pages:analysis-row", args=[analysis.pk, 1]) in text


@pytest.mark.slow
def test_the_study_page_shows_the_design_contrasts_and_corrections(
    signed_in, api, django_capture_on_commit_callbacks
):
    tables, design = study_files()
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post(
            "/api/v1/studies/", {"files": uploads(tables), "design": design}, format="multipart"
        )
    study = Study.objects.get(pk=created.json()["id"])
    assert study.status == "succeeded", study.error_message
    page = signed_in.get(reverse("studies:detail", args=[study.pk]))
    text = page.content.decode()
    panel = text[text.index('id="design-model"') :]
    contrast = study.summary["comparison"]
    counts = study.summary["contrast_counts"][contrast]
    assert re.search(
        rf"<td>{re.escape(contrast)}</td><td class=\"num\">{counts['tested']}</td>"
        rf"<td class=\"num\">{counts['changed']}</td>",
        panel,
    )
    assert "Samples by type: 6 sample." in panel
    assert html.escape(study.summary["quantity_notes"][0]) in panel
    filtered = study.summary["qc_filters"]["filtered"]
    assert f"{filtered} in all" in panel
    # the species table: labels for people, numbers rounded
    head = re.search(r'<table id="species-table">\s*<thead>(.*?)</thead>', text, re.S).group(1)
    assert (
        "log₂ fold change" in head and "q (BH)" in head and "_" not in re.sub(r"<[^>]+>", "", head)
    )
    body = re.search(r'<table id="species-table">.*?<tbody>(.*?)</tbody>', text, re.S).group(1)
    assert not re.search(r"\d\.\d{5,}", body)

"""The studies API and pages: create with files + design, list, detail, samples, matrix,
statistics with filters, downloads, re-run, finish, isolation per owner, design errors."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest
from django.urls import reverse

from ganglioside.web.studies.models import Study, StudyStatus
from tests.web.studies_data import broken, study_files, uploads, zipped

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _post(api, tables, design, capture, **extra):
    with capture(execute=True):
        return api.post(
            "/api/v1/studies/",
            {"files": uploads(tables), "design": design, **extra},
            format="multipart",
        )


@pytest.fixture
def done(api, django_capture_on_commit_callbacks):
    tables, design = study_files()
    response = _post(api, tables, design, django_capture_on_commit_callbacks, name="api study")
    assert response.status_code == 202, response.content
    return response.json()


def test_create_answers_202_and_the_study_finishes(api, done):
    assert done["status"] in ("queued", "running", "succeeded")
    detail = api.get(f"/api/v1/studies/{done['id']}/").json()
    assert detail["status"] == "succeeded", detail["error_message"]
    assert detail["name"] == "api study"
    assert detail["progress"] == {
        "total": 6,
        "done": 6,
        "queued": 0,
        "running": 0,
        "succeeded": 6,
        "failed": 0,
    }
    assert [s["sample"] for s in detail["samples"]][:3] == ["C01", "C02", "C03"]
    names = {f["name"] for f in detail["files"]}
    assert {"matrix.csv", "statistics.csv", "samples.csv", "study.xlsx"} <= names
    assert {"study_report.html", "study.mztab"} <= names
    listed = api.get("/api/v1/studies/").json()
    assert [s["id"] for s in listed["results"]] == [done["id"]]


def test_downloads_are_the_stored_files(api, done):
    base = f"/api/v1/studies/{done['id']}/files/"
    matrix = api.get(base + "matrix.csv")
    assert matrix.status_code == 200 and matrix["Content-Type"].startswith("text/csv")
    frame = pd.read_csv(io.BytesIO(matrix.content))
    assert {"species", "name", "C01", "D03"} <= set(frame.columns)
    xlsx = api.get(base + "study.xlsx")
    assert xlsx.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(xlsx.content)).sheetnames
    report = api.get(base + "study_report.html")
    assert b"<html" in report.content[:500].lower()
    mztab = api.get(base + "study.mztab")
    assert mztab.content.startswith(b"MTD")
    assert api.get(base + "nothing.csv").status_code == 404


def test_matrix_statistics_and_filters(api, done):
    matrix = api.get(f"/api/v1/studies/{done['id']}/matrix/").json()
    assert matrix["count"] == len(matrix["rows"]) > 10
    assert "C01" in matrix["columns"]
    url = f"/api/v1/studies/{done['id']}/statistics/"
    everything = api.get(url).json()
    assert everything["count"] > 10
    changed = api.get(url, {"q_max": "0.05"}).json()
    assert all(r["q_value"] <= 0.05 for r in changed["rows"])
    assert changed["count"] < everything["count"]
    up = api.get(url, {"direction": "up"}).json()
    assert all(r["log2_fold_change"] > 0 for r in up["rows"])
    gm = api.get(url, {"category": "gm"}).json()
    assert gm["count"] > 0 and {r["category"] for r in gm["rows"]} == {"GM"}
    found = api.get(url, {"search": "GD1"}).json()
    assert found["count"] > 0 and all("GD1" in r["name"] + r["species"] for r in found["rows"])
    bad = api.get(url, {"q_max": "small"})
    assert bad.status_code == 400 and "q_max" in bad.json()["error"]["details"]


def test_each_sample_has_its_compounds(api, done):
    samples = api.get(f"/api/v1/studies/{done['id']}/samples/").json()
    assert len(samples) == 6 and all(s["n_compounds"] > 0 for s in samples)
    csv = api.get(samples[0]["links"]["compounds"])
    assert csv.status_code == 200
    assert len(pd.read_csv(io.BytesIO(csv.content))) == samples[0]["n_compounds"]


def test_other_users_get_404_everywhere(other_api, done):
    sid = done["id"]
    for url in (
        f"/api/v1/studies/{sid}/",
        f"/api/v1/studies/{sid}/samples/",
        f"/api/v1/studies/{sid}/matrix/",
        f"/api/v1/studies/{sid}/statistics/",
        f"/api/v1/studies/{sid}/files/matrix.csv",
    ):
        assert other_api.get(url).status_code == 404, url
    assert other_api.post(f"/api/v1/studies/{sid}/finish/").status_code == 404
    assert other_api.delete(f"/api/v1/studies/{sid}/").status_code == 404
    assert other_api.get("/api/v1/studies/").json()["results"] == []
    assert Study.objects.filter(pk=sid).exists()


def test_a_bad_design_is_a_400_listing_every_problem(api, django_capture_on_commit_callbacks):
    tables, _ = study_files()
    design = "sample,file,group\nA,C01.csv,x\nB,nope.csv,x\nC,C02.csv,y\n"
    response = _post(api, tables, design, django_capture_on_commit_callbacks)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    problems = error["details"]["problems"]
    assert any(p["value"] == "nope.csv" for p in problems)
    assert any("group" in p["message"] for p in problems)
    assert not Study.objects.exists()


def test_a_design_file_and_a_zip(api, django_capture_on_commit_callbacks):
    tables, design = study_files()
    with django_capture_on_commit_callbacks(execute=False):
        response = api.post(
            "/api/v1/studies/",
            {
                "files": [zipped(tables)],
                "design_file": io.BytesIO(design.encode()),
                "parameters": '{"quantity": "total"}',
            },
            format="multipart",
        )
    assert response.status_code == 202, response.content
    study = Study.objects.get()
    assert study.samples.count() == 6 and study.parameters["quantity"] == "total"
    missing = api.post("/api/v1/studies/", {"files": uploads(tables)}, format="multipart")
    assert missing.status_code == 400 and "design" in missing.json()["error"]["details"]


def test_a_failed_sample_then_finish_or_rerun(api, django_capture_on_commit_callbacks):
    tables, design = study_files()
    created = _post(api, broken(tables, "C03.csv"), design, django_capture_on_commit_callbacks)
    sid = created.json()["id"]
    detail = api.get(f"/api/v1/studies/{sid}/").json()
    assert detail["status"] == "waiting"
    failed = next(s for s in detail["samples"] if s["sample"] == "C03")
    assert failed["status"] == "failed" and failed["error_message"]

    ok = next(s for s in detail["samples"] if s["sample"] == "C01")
    refused = api.post(f"/api/v1/studies/{sid}/samples/{ok['id']}/rerun/")
    assert refused.status_code == 400 and "only a failed one" in refused.json()["error"]["message"]

    with django_capture_on_commit_callbacks(execute=True):
        again = api.post(f"/api/v1/studies/{sid}/samples/{failed['id']}/rerun/")
    assert again.status_code == 202
    assert api.get(f"/api/v1/studies/{sid}/").json()["status"] == "waiting"  # the same bad file

    with django_capture_on_commit_callbacks(execute=True):
        finished = api.post(f"/api/v1/studies/{sid}/finish/")
    assert finished.status_code == 202
    detail = api.get(f"/api/v1/studies/{sid}/").json()
    assert detail["status"] == "succeeded"
    assert "C03" not in api.get(f"/api/v1/studies/{sid}/matrix/").json()["columns"]


def test_the_study_pages(client, user, done):
    client.force_login(user)
    sid = done["id"]
    page = client.get(reverse("studies:detail", args=[sid]))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="study-figures"' in text and 'data-figure="volcano"' in text
    assert reverse("studies:download", args=[sid, "study.mztab"]) in text
    filtered = client.get(reverse("studies:detail", args=[sid]), {"q_max": "0.05"})
    assert filtered.context["species_count"] < page.context["species_count"]
    sample = Study.objects.get(pk=sid).samples.first()
    sample_page = client.get(reverse("studies:sample", args=[sid, sample.pk]))
    assert sample_page.status_code == 200 and sample.sample in sample_page.content.decode()
    download = client.get(reverse("studies:download", args=[sid, "samples.csv"]))
    assert download.status_code == 200 and b"C01" in download.content
    assert client.get(reverse("studies:list")).status_code == 200


def test_the_form_shows_design_errors_next_to_it(client, user):
    client.force_login(user)
    tables, _ = study_files()
    response = client.post(
        reverse("studies:new"),
        {"files": uploads(tables), "design": "sample,file,group\nA,gone.csv,x\n"},
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert 'id="design-problems"' in text and "gone.csv" in text
    assert not Study.objects.exists()


def test_the_form_starts_a_study(client, user, django_capture_on_commit_callbacks):
    client.force_login(user)
    tables, design = study_files()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("studies:new"), {"files": uploads(tables), "design": design, "name": "form"}
        )
    study = Study.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("studies:detail", args=[study.pk])
    assert study.status == StudyStatus.SUCCEEDED and study.name == "form"


def test_the_admin_shows_a_study_and_its_samples(client, django_user_model, done):
    admin = django_user_model.objects.create_superuser("boss", "b@example.org", "pw-boss-123")
    client.force_login(admin)
    page = client.get(reverse("admin:studies_study_change", args=[done["id"]]))
    assert page.status_code == 200 and b"C01" in page.content
    assert client.get(reverse("admin:studies_study_changelist")).status_code == 200

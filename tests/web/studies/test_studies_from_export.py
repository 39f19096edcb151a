"""A study from one multi-sample export, on the API and the page: the design built from the
export's metadata rows (group from Class, sample_type from File type, injection order, batch),
kept and downloadable as design.csv, and the study run."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ganglioside.web.studies.models import Study, StudyStatus
from tests.paths import EXPORTS
from tests.web.studies_data import study_files, uploads

pytestmark = [pytest.mark.django_db]

MSDIAL5 = EXPORTS / "msdial5_alignment_prefixes.txt"
LS5 = EXPORTS / "lipidsearch5_LipidMolecule_export.txt"
GROUPS = ["QC", "WT", "WT", "WT", "KO", "KO", "KO", "Blank"]


def _export(path=MSDIAL5) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/plain")


def _design(content: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False)


@pytest.mark.slow
def test_the_api_starts_a_study_from_an_export(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/studies/",
            {"export": _export()},
            format="multipart",
        )
    assert response.status_code == 202, response.content
    sid = response.json()["id"]
    detail = api.get(f"/api/v1/studies/{sid}/").json()
    assert detail["status"] == "succeeded", detail["error_message"]
    assert detail["name"] == MSDIAL5.stem and detail["design_filename"] == "design.csv"
    assert [s["sample"] for s in detail["samples"]][:2] == ["QC_01", "WT_1"]
    design = api.get(f"/api/v1/studies/{sid}/design/")
    assert design.status_code == 200 and design["Content-Type"].startswith("text/csv")
    table = _design(design.content)
    assert table.columns.tolist()[:4] == ["sample", "file", "group", "sample_type"]
    assert table["group"].tolist() == GROUPS
    assert set(table["file"]) == {MSDIAL5.name}
    kinds = table.set_index("sample")["sample_type"]
    assert (kinds["QC_01"], kinds["Blank_01"], kinds["KO_2"]) == ("qc", "blank", "sample")
    assert table.set_index("sample").loc["KO_2", ["injection_order", "batch"]].tolist() == [
        "6",
        "2",
    ]
    samples = _design(api.get(f"/api/v1/studies/{sid}/files/samples.csv").content)
    assert samples.set_index("sample").loc["Blank_01", "sample_type"] == "blank"
    matrix = _design(api.get(f"/api/v1/studies/{sid}/files/matrix.csv").content)
    assert len(matrix) > 20 and {"WT_1", "KO_3"} <= set(matrix.columns)


def test_an_export_without_groups_is_refused_with_the_samples_named(api):
    response = api.post("/api/v1/studies/", {"export": _export(LS5)}, format="multipart")
    assert response.status_code == 400
    error = response.json()["error"]
    assert "no group (a Class row) to 4 sample(s) (s1, s2, s3, s4)" in error["message"]
    built = _design(error["details"]["design"].encode())  # to fill in and send back
    assert built["sample"].tolist() == ["s1", "s2", "s3", "s4"] and (built["group"] == "").all()
    assert set(built["file"]) == {LS5.name}
    assert not Study.objects.exists()


def test_an_export_comes_alone(api):
    tables, design = study_files()
    response = api.post(
        "/api/v1/studies/",
        {"export": _export(), "files": uploads(tables), "design": design},
        format="multipart",
    )
    assert response.status_code == 400
    fields = response.json()["error"]["details"]
    assert "files" in fields and "design" in fields
    nothing = api.post("/api/v1/studies/", {"name": "x"}, format="multipart")
    assert nothing.status_code == 400 and "files" in nothing.json()["error"]["details"]


def test_a_single_sample_table_is_not_an_export_for_a_study(api):
    tables, _ = study_files()
    name, content = next(iter(tables.items()))
    upload = SimpleUploadedFile(name, content, content_type="text/csv")
    response = api.post("/api/v1/studies/", {"export": upload}, format="multipart")
    assert response.status_code == 400
    assert "a feature table of one sample" in response.json()["error"]["message"]
    one = EXPORTS / "msdial_peaklist_Brain_WT_1.txt"
    response = api.post("/api/v1/studies/", {"export": _export(one)}, format="multipart")
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert "export of one sample (msdial_peaklist_Brain_WT_1)" in message


@pytest.mark.slow
def test_the_page_starts_a_study_from_an_export_and_shows_its_design(
    client, user, django_capture_on_commit_callbacks
):
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("studies:new"), {"export": _export()})
    study = Study.objects.get()
    assert response.status_code == 302, response.content.decode()[:2000]
    assert study.status == StudyStatus.SUCCEEDED, study.error_message
    page = client.get(reverse("studies:detail", args=[study.pk])).content.decode()
    assert 'id="design-table"' in page and "Blank_01" in page
    assert reverse("studies:design", args=[study.pk]) in page
    download = client.get(reverse("studies:design", args=[study.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="design.csv"'
    assert _design(download.content)["group"].tolist() == GROUPS


def test_the_page_names_a_refused_export(client, user):
    client.force_login(user)
    response = client.post(reverse("studies:new"), {"export": _export(LS5)})
    assert response.status_code == 400
    text = response.content.decode()
    assert "no group (a Class row) to 4 sample(s)" in text and 'id="design-built"' in text
    # the design built is in the box, its group column to fill in
    assert response.context["form"]["design"].value().startswith("sample,file,group,")
    assert not Study.objects.exists()
    both = client.post(reverse("studies:new"), {"export": _export(), "design": "sample,file\n"})
    assert both.status_code == 400
    assert "send an export or a design, not both" in both.content.decode()

"""Instrument exports, column mappings and methods in the web app (services, API, pages)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from ganglioside import InputError
from ganglioside.web.analyses.models import Analysis
from ganglioside.web.analyses.services import running, submission
from ganglioside.web.common.parameters import defaults
from ganglioside.web.methods import services
from ganglioside.web.methods.models import AnalysisInput, ColumnMapping, Method
from ganglioside.web.methods.reading import ColumnsNeeded, SampleChoiceNeeded
from tests.paths import EXPORTS
from tests.web.conftest import make_upload

pytestmark = pytest.mark.django_db

MSDIAL = EXPORTS / "msdial_alignment_area.txt"
MSDIAL_SAMPLES = ("Brain_WT_1", "Brain_WT_2", "Brain_KO_1", "QC_01")
ANALYSED = MSDIAL_SAMPLES[:3]  # "all samples": the QC is kept apart
# The five standards with headers no reader recognises.
UNRECOGNISED = (
    b"Metabolite;Retention;Intensity\n"
    b"GD1a(36:1;O2);9,572;1000000\n"
    b"GM1a(36:1;O2);10,452;500000\n"
    b"GM3(36:1;O2);10,606;2000000\n"
    b"GD3(36:1;O2);10,126;800000\n"
    b"GT1b(36:1;O2);8,701;1200000\n"
)
MAPPING = {"name": "Metabolite", "rt": "Retention", "volume": "Intensity"}
CALIBRANTS = b"name,rt,tolerance\nGD1a 36:1;O2,9.6,0.3\nGT1b 36:1;O2,8.7,\n"


def msdial_upload():
    return make_upload(MSDIAL.read_bytes(), MSDIAL.name)


# -- services ----------------------------------------------------------------------------------


def test_multi_sample_export_asks_for_a_sample_and_stores_nothing(user):
    with pytest.raises(SampleChoiceNeeded) as caught:
        submission.analysis_create(owner=user, file=msdial_upload(), start=False)
    assert caught.value.samples == MSDIAL_SAMPLES
    assert caught.value.format == "MS-DIAL alignment"
    assert caught.value.file == MSDIAL.name
    assert "Brain_KO_1" in str(caught.value)
    assert not Analysis.objects.exists()


@pytest.mark.slow
def test_one_sample_of_an_export_runs_and_the_format_is_recorded(user):
    analysis = submission.analysis_create(
        owner=user, file=msdial_upload(), sample="Brain_KO_1", start=False
    )
    assert analysis.input_choice.sample == "Brain_KO_1"
    done = running.analysis_run(analysis_id=analysis.pk)
    assert done is not None and done.status == "succeeded", done.error_message
    assert done.summary["input"]["format"] == "MS-DIAL alignment"
    assert done.summary["input"]["sample"] == "Brain_KO_1"


def test_unknown_sample_is_an_input_error_listing_the_samples(user):
    with pytest.raises(InputError, match="Brain_WT_2"):
        submission.analysis_create(owner=user, file=msdial_upload(), sample="nope", start=False)


def test_all_samples_makes_one_analysis_per_sample(user):
    created = submission.analyses_create_per_sample(owner=user, file=msdial_upload(), name="brain")
    assert [a.name for a in created] == [f"brain · {s}" for s in ANALYSED]
    assert [a.input_choice.sample for a in created] == list(ANALYSED)


def test_unrecognised_table_asks_for_columns_then_runs_with_the_mapping(user):
    upload = make_upload(UNRECOGNISED, "lab.csv")
    with pytest.raises(ColumnsNeeded) as caught:
        submission.analysis_create(owner=user, file=upload, start=False)
    assert caught.value.header == ("Metabolite", "Retention", "Intensity")
    analysis = submission.analysis_create(
        owner=user, file=make_upload(UNRECOGNISED, "lab.csv"), columns=MAPPING, start=False
    )
    done = running.analysis_run(analysis_id=analysis.pk)
    assert done is not None and done.status == "succeeded", done.error_message
    assert done.summary["input"]["format"] == "columns mapping"
    assert done.n_compounds == 5


def test_a_rerun_reads_the_file_the_same_way(user):
    analysis = submission.analysis_create(
        owner=user, file=make_upload(UNRECOGNISED, "lab.csv"), columns=MAPPING, start=False
    )
    again = submission.analysis_rerun(analysis=analysis, changes={"outlier_z": 3.0})
    assert again.pk != analysis.pk
    assert again.input_choice.columns == MAPPING
    assert analysis.input_choice.columns == MAPPING


def test_a_mapped_column_missing_from_the_file_names_the_columns(user):
    with pytest.raises(InputError, match="Metabolite"):
        submission.analysis_create(
            owner=user,
            file=make_upload(UNRECOGNISED, "lab.csv"),
            columns={**MAPPING, "rt": "RT (min)"},
            start=False,
        )


def test_mapping_is_remembered_by_header_and_offered_for_a_similar_file(user, other_user):
    header = ["Metabolite", "Retention", "Intensity"]
    services.mapping_remember(owner=user, header=header, columns=MAPPING)
    services.mapping_remember(owner=user, header=header, columns=MAPPING)
    assert ColumnMapping.objects.filter(owner=user).count() == 1
    assert services.mapping_offered(owner=user, header=header) == MAPPING
    assert services.mapping_offered(owner=user, header=[*header, "Extra"]) == MAPPING
    assert services.mapping_offered(owner=user, header=["A", "B"]) == {}
    assert services.mapping_offered(owner=other_user, header=header) == {}


def test_method_calibrants_become_anchors_of_the_run(user, sample_bytes):
    rows = services.calibrants_from_file(make_upload(CALIBRANTS, "standards.csv"))
    assert rows == [
        {"name": "GD1a 36:1;O2", "rt": 9.6, "tolerance": 0.3},
        {"name": "GT1b 36:1;O2", "rt": 8.7, "tolerance": 0.5},
    ]
    method = services.method_save(
        owner=user, name="brain", calibrants=rows, parameters={"max_rt": 60.0}
    )
    assert method.parameters == {"max_rt": 60.0}
    plain = "Name,RT,Volume\nGD1a(36:1;O2),9.572,1000000\nGM3(36:1;O2),10.606,2000000\n"
    plain += "GT1b(36:1;O2),8.701,1200000\nGD3(36:1;O2),10.126,800000\n"
    analysis = submission.analysis_create(
        owner=user, file=make_upload(plain.encode(), "t.csv"), method=method, start=False
    )
    assert analysis.parameters["max_rt"] == 60.0
    done = running.analysis_run(analysis_id=analysis.pk)
    assert done is not None and done.status == "succeeded", done.error_message
    anchors = set(done.compounds.filter(is_anchor=True).values_list("name", flat=True))
    assert anchors == {"GD1a(36:1;O2)", "GT1b(36:1;O2)"}
    # Deleting the method leaves the analysis's copy of the calibrants.
    services.method_delete(method=method)
    assert AnalysisInput.objects.get(analysis=analysis).calibrants == rows


def test_bad_calibrant_file_names_row_column_and_value():
    bad = b"name,rt\nGM3 36:1;O2,-2\n"
    with pytest.raises(InputError) as caught:
        services.calibrants_from_file(make_upload(bad, "std.csv"))
    assert (caught.value.file, caught.value.row, caught.value.column) == ("std.csv", 1, "rt")
    assert caught.value.value == "-2"


def test_method_names_are_unique_per_owner(user, other_user):
    services.method_save(owner=user, name="m")
    services.method_save(owner=other_user, name="m")
    with pytest.raises(Exception, match="already have a method named 'm'"):
        services.method_save(owner=user, name="m")


# -- API ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_api_upload_with_columns_and_sample(api):
    answer = api.post(
        reverse("api:analysis-list"),
        {"file": make_upload(UNRECOGNISED, "lab.csv"), "columns": json.dumps(MAPPING)},
        format="multipart",
    )
    assert answer.status_code == 202, answer.json()
    assert Analysis.objects.get(pk=answer.json()["id"]).input_choice.columns == MAPPING
    many = api.post(reverse("api:analysis-list"), {"file": msdial_upload()}, format="multipart")
    assert many.status_code == 400
    assert "Brain_KO_1" in many.json()["error"]["message"]
    one = api.post(
        reverse("api:analysis-list"),
        {"file": msdial_upload(), "sample": "QC_01"},
        format="multipart",
    )
    assert one.status_code == 202, one.json()


def test_api_columns_must_be_an_object(api):
    answer = api.post(
        reverse("api:analysis-list"),
        {"file": make_upload(UNRECOGNISED, "lab.csv"), "columns": "[1, 2]"},
        format="multipart",
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["message"].startswith("columns:")


@pytest.mark.slow
def test_api_methods_crud_and_owner_isolation(api, other_api):
    url = reverse("methods-api:method-list")
    body = {
        "name": "brain",
        "calibrants": [{"name": "GM3 36:1;O2", "rt": 10.6}],
        "parameters": {"max_rt": 50},
    }
    created = api.post(url, body, format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["calibrants"] == [{"name": "GM3 36:1;O2", "rt": 10.6, "tolerance": 0.5}]
    detail = reverse("methods-api:method-detail", args=[data["id"]])
    assert api.get(url).json()[0]["name"] == "brain"
    assert other_api.get(url).json() == []
    assert other_api.get(detail).status_code == 404
    assert other_api.delete(detail).status_code == 404
    changed = api.patch(detail, {"description": "our standards"}, format="json")
    assert changed.status_code == 200 and changed.json()["parameters"] == {"max_rt": 50.0}
    bad = api.post(url, {"name": "x", "calibrants": [{"name": "not a lipid"}]}, format="json")
    assert bad.status_code == 400 and "not a ganglioside name" in bad.json()["error"]["message"]
    upload = other_api.post(
        reverse("api:analysis-list"),
        {
            "file": make_upload(b"Name,RT,Volume\nGM3(36:1;O2),10.6,1\n", "t.csv"),
            "method": data["id"],
        },
        format="multipart",
    )
    assert upload.status_code == 404
    assert api.delete(detail).status_code == 204
    assert not Method.objects.exists()


# -- pages -------------------------------------------------------------------------------------


@pytest.fixture
def browser_client(client, user):
    client.force_login(user)
    return client


def _upload(client, upload, **extra):
    return client.post(reverse("pages:upload"), {"file": upload, **extra})


def test_page_multi_sample_upload_asks_then_one_sample(browser_client):
    asked = _upload(browser_client, msdial_upload())
    assert asked.status_code == 302 and "/analyses/new/" in asked["Location"]
    page = browser_client.get(asked["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "MS-DIAL alignment with 4 samples" in text and "Brain_KO_1" in text
    done = browser_client.post(asked["Location"], {"sample": "Brain_KO_1"})
    analysis = Analysis.objects.get()
    assert done["Location"] == reverse("pages:analysis", args=[analysis.pk])
    assert analysis.input_choice.sample == "Brain_KO_1"
    # The kept upload is taken: the same choice page is gone.
    assert browser_client.get(asked["Location"]).status_code == 404


@pytest.mark.slow
def test_page_all_samples(browser_client):
    asked = _upload(browser_client, msdial_upload(), name="run 7")
    done = browser_client.post(asked["Location"], {"sample": "__all__"})
    assert done["Location"] == reverse("pages:history")
    assert sorted(Analysis.objects.values_list("name", flat=True)) == sorted(
        f"run 7 · {s}" for s in ANALYSED
    )


def test_page_mapping_form_remembers_and_offers_the_mapping(browser_client, user):
    asked = _upload(browser_client, make_upload(UNRECOGNISED, "lab.csv"))
    page = browser_client.get(asked["Location"]).content.decode()
    assert "Which column gives what?" in page and "Intensity" in page
    same = browser_client.post(asked["Location"], {"name": "Metabolite", "rt": "Metabolite"})
    assert same.status_code == 400
    assert "already gives name" in same.content.decode()
    done = browser_client.post(asked["Location"], MAPPING)
    assert done.status_code == 302
    assert Analysis.objects.get().input_choice.columns == MAPPING
    again = _upload(browser_client, make_upload(UNRECOGNISED, "lab2.csv"))
    offered = browser_client.get(again["Location"]).content.decode()
    assert '<option value="Intensity" selected>' in offered


def test_page_method_create_bad_calibrants_then_choose_at_upload(browser_client, user):
    bad = browser_client.post(
        reverse("methods:new"),
        {"name": "brain", "calibrants_file": make_upload(b"name,rt\nGM3 36:1;O2,x\n", "s.csv")},
    )
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "The calibrant list cannot be used:" in text and "s.csv" in text
    assert not Method.objects.exists()
    # A browser sends the checkboxes that start checked (the defaults that are on).
    checked = {name: "on" for name, value in defaults().items() if value is True}
    ok = browser_client.post(
        reverse("methods:new"),
        {"name": "brain", "calibrants_file": make_upload(CALIBRANTS, "s.csv"), **checked},
    )
    assert ok.status_code == 302
    method = Method.objects.get()
    assert len(method.calibrants) == 2 and method.parameters == {}
    listing = browser_client.get(reverse("methods:list")).content.decode()
    assert "brain" in listing
    upload = browser_client.get(reverse("pages:upload")).content.decode()
    assert f'<option value="{method.pk}">brain</option>' in upload
    started = _upload(
        browser_client,
        make_upload(b"Name,RT,Volume\nGM3(36:1;O2),10.6,1\n", "t.csv"),
        method=method.pk,
    )
    assert started.status_code == 302
    assert Analysis.objects.get().input_choice.method_name == "brain"


def test_page_other_users_method_is_404(client, other_user, user):
    method = services.method_save(owner=user, name="mine")
    client.force_login(other_user)
    assert client.get(reverse("methods:edit", args=[method.pk])).status_code == 404
    assert client.post(reverse("methods:delete", args=[method.pk])).status_code == 404


# -- a whole-lipidome export whose first ganglioside is far down --------------------------------


def _lipidome_with_gangliosides_at_the_end(n_other: int = 6000) -> bytes:
    """A LipidSearch 5 export (Windows-1252) listing thousands of other lipids first."""
    source = (EXPORTS / "lipidsearch5_LipidMolecule_export.txt").read_bytes().split(b"\r\n")
    header, rows = source[0], [r for r in source[1:] if r]
    others = [r for r in rows if not r.startswith(b"G")]
    gangliosides = [r for r in rows if r.startswith(b"G")]
    lines = [header, *(others * (n_other // len(others) + 1))[:n_other], *gangliosides]
    return b"\r\n".join(lines) + b"\r\n"


@pytest.mark.slow
def test_the_upload_check_finds_gangliosides_beyond_the_head_of_the_file(user):
    content = _lipidome_with_gangliosides_at_the_end()
    assert len(content) > 256 * 1024 and content.index(b"\nGD1") > 256 * 1024
    analysis = submission.analysis_create(
        owner=user,
        file=make_upload(content, "big_LipidMolecule_export.txt"),
        sample="s1",
        start=False,
    )
    done = running.analysis_run(analysis_id=analysis.pk)
    assert done is not None and done.status == "succeeded", done and done.error_message
    assert done.compounds.count() == 39


def test_an_upload_without_any_ganglioside_gets_the_plain_answer(user):
    content = _lipidome_with_gangliosides_at_the_end()
    content = b"\r\n".join(line for line in content.split(b"\r\n") if not line.startswith(b"G"))
    with pytest.raises(InputError, match="no ganglioside among the first 2,977 lipids") as caught:
        submission.analysis_create(
            owner=user, file=make_upload(content, "lipids.txt"), sample="s1", start=False
        )
    assert "classes seen: PC" in str(caught.value)
    assert "no line further down names a ganglioside" in str(caught.value)


@pytest.mark.slow
def test_all_samples_leaves_the_qcs_and_blanks_apart(user):
    export = EXPORTS / "msdial4_alignment_lipid_is.txt"
    upload = make_upload(export.read_bytes(), export.name)
    with pytest.raises(SampleChoiceNeeded) as caught:
        submission.analysis_create(owner=user, file=upload, start=False)
    assert caught.value.samples == ("Blank_01", "QC_01", "WT_1", "WT_2", "KO_1", "KO_2", "QC_02")
    assert caught.value.analysed == ("WT_1", "WT_2", "KO_1", "KO_2")
    upload = make_upload(export.read_bytes(), export.name)
    created = submission.analyses_create_per_sample(owner=user, file=upload, name="lipidome")
    assert [a.input_choice.sample for a in created] == ["WT_1", "WT_2", "KO_1", "KO_2"]
    from ganglioside.web.methods.forms import SampleChoiceForm

    form = SampleChoiceForm(samples=caught.value.samples, analysed=caught.value.analysed)
    label = dict(form.fields["sample"].choices)["__all__"]
    assert label.startswith("All 4 samples") and "3 QC, blank and standard" in label

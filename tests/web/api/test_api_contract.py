"""The API says exactly what each endpoint takes and returns (issue 23): one content type per
request body (JSON; multipart only for uploads), file answers a generated client reads as bytes
and served as declared, nullability that strict OpenAPI 3.0 validators read, named fields for
study rows, unknown ordering refused, no parameter that does nothing."""

from __future__ import annotations

import pytest
import yaml
from django.urls import reverse

from tests.web.openapi_check import COMMITTED, StrictChecker
from tests.web.studies_data import study_files, uploads

pytestmark = pytest.mark.django_db

SPEC = yaml.safe_load(COMMITTED.read_text())
METHODS = ("get", "post", "put", "patch", "delete")


def _operations():
    for path, item in SPEC["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def _walk(node, where=()):
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from _walk(value, (*where, str(key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, (*where, str(i)))


def test_each_request_body_has_one_content_type_and_only_uploads_are_multipart():
    bodies = {
        op["operationId"]: list(op["requestBody"]["content"])
        for _, _, op in _operations()
        if "requestBody" in op
    }
    assert bodies, "no request bodies found"
    multipart = {name for name, types in bodies.items() if types == ["multipart/form-data"]}
    assert multipart == {"analyses_create", "studies_create"}
    assert all(
        types == ["application/json"] for name, types in bodies.items() if name not in multipart
    ), bodies


def test_every_file_answer_offers_bytes_first_and_names_its_real_types():
    files = {}
    for _, _, op in _operations():
        content = op["responses"].get("200", {}).get("content", {})
        if "application/octet-stream" in content:
            files[op["operationId"]] = list(content)
    assert set(files) == {
        "analyses_export",
        "analyses_export_again",  # POST: writes a failed export again and answers the file
        "analyses_decisions_audit",
        "studies_sample_compounds",
        "studies_file",
        "studies_design",  # the design as sent, or as built from the export's metadata rows
        "studies_compare_csv",
    }
    for types in files.values():
        assert types[0] == "application/octet-stream" and len(types) > 1, types
    assert files["analyses_export"][1:] == [
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/json",
        "text/html",
        "application/pdf",
    ]
    assert files["analyses_export_again"] == files["analyses_export"]
    assert "text/csv" in files["studies_design"]
    assert {"text/csv", "text/html", "text/tab-separated-values", "application/json"} <= set(
        files["studies_file"]
    )


def test_nullable_is_written_only_beside_a_type_and_no_format_parameter_is_advertised():
    for where, node in _walk(SPEC):
        if node.get("nullable") is True:
            assert "allOf" not in node and "$ref" not in node, "/".join(where)
    names = {p.get("name") for where, node in _walk(SPEC["paths"]) for p in [node] if "in" in p}
    assert "format" not in names


def test_a_form_body_on_a_json_endpoint_is_refused_with_its_reason(user):
    from rest_framework.test import APIClient

    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "alice", "password": "alice-pw-123"}, format="multipart"
    )
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
    assert "multipart/form-data" in response.json()["error"]["message"]


@pytest.mark.slow
def test_a_failed_analysis_and_a_finished_one_match_the_schema_strictly(api, finished_analysis):
    from ganglioside.web.analyses.models import AnalysisStatus

    checker = StrictChecker(SPEC)
    path = f"/api/v1/analyses/{finished_analysis.pk}/"
    answer = api.get(path)
    assert answer.json()["error"] is None
    checker.check_django("GET", path, answer)
    finished_analysis.status = AnalysisStatus.FAILED
    finished_analysis.error_message = "row 3: RT is not a number"
    finished_analysis.error_details = {"row": 3}
    finished_analysis.save()
    answer = api.get(path)
    assert answer.json()["error"]["message"] == "row 3: RT is not a number"
    checker.check_django("GET", path, answer)


@pytest.mark.slow
def test_file_answers_are_their_type_or_bytes_when_asked_and_errors_are_json(
    api, finished_analysis
):
    checker = StrictChecker(SPEC)
    path = f"/api/v1/analyses/{finished_analysis.pk}/decisions/audit.csv"
    plain = api.get(path)
    assert plain["Content-Type"].startswith("text/csv")
    checker.check_django("GET", path, plain)
    asked = api.get(path, HTTP_ACCEPT="application/octet-stream")
    assert asked["Content-Type"] == "application/octet-stream"
    assert asked.content == plain.content
    checker.check_django("GET", path, asked)
    missing = "/api/v1/analyses/999999/decisions/audit.csv"
    error = api.get(missing, HTTP_ACCEPT="text/csv")
    assert error.status_code == 404 and error["Content-Type"] == "application/json"
    assert error.json()["error"]["code"] == "not_found"
    checker.check_django("GET", missing, error)


@pytest.mark.parametrize(
    ("path", "allowed"),
    [("/api/v1/analyses/", "created_at"), ("/api/v1/studies/", "finished_at")],
)
def test_an_unknown_ordering_answers_400_with_the_allowed_columns(api, path, allowed):
    response = api.get(path, {"ordering": "-bogus,name"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert "'-bogus'" in error["message"] and allowed in error["message"]
    assert api.get(path, {"ordering": "-name,"}).status_code == 200


@pytest.mark.slow
def test_compounds_refuse_an_unknown_ordering(api, finished_analysis):
    url = reverse("api:analysis-compounds", args=[finished_analysis.pk])
    response = api.get(url, {"ordering": "volume_typo"})
    assert response.status_code == 400
    assert "abs_z" in response.json()["error"]["message"]
    assert api.get(url, {"ordering": "-abs_z"}).status_code == 200


@pytest.mark.slow
def test_study_rows_have_named_fields_and_the_list_searches_and_orders(
    api, django_capture_on_commit_callbacks
):
    tables, design = study_files()
    ids = []
    for name in ("beta cohort", "alpha cohort"):
        with django_capture_on_commit_callbacks(execute=True):
            created = api.post(
                "/api/v1/studies/",
                {"files": uploads(tables), "design": design, "name": name},
                format="multipart",
            )
        assert created.status_code == 202, created.content
        ids.append(created.json()["id"])
    listed = api.get("/api/v1/studies/", {"ordering": "name"}).json()["results"]
    assert [s["name"] for s in listed] == ["alpha cohort", "beta cohort"]
    found = api.get("/api/v1/studies/", {"search": "beta"}).json()["results"]
    assert [s["id"] for s in found] == [ids[0]]

    checker = StrictChecker(SPEC)
    for part in ("matrix", "statistics"):
        path = f"/api/v1/studies/{ids[0]}/{part}/"
        answer = api.get(path)
        assert answer.status_code == 200
        checker.check_django("GET", path, answer)
    statistics = api.get(f"/api/v1/studies/{ids[0]}/statistics/").json()
    row = statistics["rows"][0]
    assert {"species", "q_value", "log2_fold_change", "mean_control", "found_disease"} <= set(row)
    matrix = api.get(f"/api/v1/studies/{ids[0]}/matrix/").json()
    assert {"species", "name", "isomer_track", "C01", "D03"} <= set(matrix["rows"][0])


def test_the_docs_curl_uploads_send_fields_the_schema_knows():
    """Every ``-F field=`` of docs/web.md's curl examples is a field of the request body it is
    sent to (the study example once sent ``design=@design.csv``: 400, "Not a valid string")."""
    import re

    text = (COMMITTED.parent / "web.md").read_text()
    commands = re.findall(r"^curl (?:[^\n]*\\\n)*[^\n]*", text, flags=re.M)
    bodies = {
        "/api/v1/analyses/": "AnalysisCreateRequest",
        "/api/v1/studies/": "StudyCreateRequest",
    }
    checked = 0
    for command in commands:
        url = re.search(r"http://127\.0\.0\.1:8000(/api/v1/\S*)", command)
        fields = re.findall(r"-F '?(\w+)=(@?)", command)
        if not fields or url is None:
            continue
        schema = SPEC["components"]["schemas"][bodies[url.group(1)]]["properties"]
        for name, upload in fields:
            assert name in schema, (name, command)
            is_file = schema[name].get("format") == "binary" or (
                schema[name].get("items", {}).get("format") == "binary"
            )
            assert is_file == bool(upload), (name, command)
            checked += 1
    assert checked >= 10

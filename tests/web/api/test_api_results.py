"""Compounds, models, fragments and exports of an analysis."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ganglioside.web.analyses.models import Analysis, Compound, FragmentEvent, RTModel

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _url(analysis, tail):
    return f"/api/v1/analyses/{analysis.pk}/{tail}"


def test_compounds_are_paginated_by_100_in_row_order(api, finished_analysis):
    body = api.get(_url(finished_analysis, "compounds/")).json()
    assert body["count"] == 323
    assert len(body["results"]) == 100
    assert [c["row"] for c in body["results"]] == list(range(1, 101))
    first = body["results"][0]
    assert first["name"] == "GD1(34:1;O2)"
    assert "analysis" not in first and "id" not in first
    assert {"status", "group_key", "predicted_rt", "z", "extra"} <= set(first)


@pytest.mark.parametrize(
    "field, value", [("status", "outlier"), ("category", "GM"), ("group_key", "GD1")]
)
def test_compounds_filter_by_field(api, finished_analysis, field, value):
    body = api.get(_url(finished_analysis, "compounds/"), {field: value, "page_size": 1000}).json()
    expected = Compound.objects.filter(analysis=finished_analysis, **{field: value}).count()
    assert expected > 0
    assert body["count"] == expected
    assert {c[field] for c in body["results"]} == {value}


def test_compounds_filter_by_anchor(api, finished_analysis):
    body = api.get(_url(finished_analysis, "compounds/"), {"is_anchor": "true"}).json()
    expected = Compound.objects.filter(analysis=finished_analysis, is_anchor=True).count()
    assert body["count"] == expected > 0
    assert all(c["is_anchor"] for c in body["results"])


def test_compounds_carry_and_filter_by_their_identification_level(api, finished_analysis):
    url = _url(finished_analysis, "compounds/")
    first = api.get(url).json()["results"][0]
    assert {"identification_level", "identification", "mz_error_ppm", "ms2_evidence"} <= set(first)
    anchors = api.get(url, {"identification_level": 1, "page_size": 1000}).json()
    expected = Compound.objects.filter(analysis=finished_analysis, is_anchor=True).count()
    assert anchors["count"] == expected > 0
    assert {c["identification"] for c in anchors["results"]} == {"standard"}
    outliers = api.get(url, {"identification_level": 5, "page_size": 1000}).json()
    assert {c["status"] for c in outliers["results"]} <= {"outlier", "fragment", "invalid"}
    assert api.get(url, {"identification_level": 9}).status_code == 400


def test_compounds_order_by_a_column(api, finished_analysis):
    body = api.get(_url(finished_analysis, "compounds/"), {"ordering": "-rt"}).json()
    rts = [c["rt"] for c in body["results"]]
    assert rts == sorted(rts, reverse=True)


@pytest.mark.parametrize(
    "rows, expected",
    [("70", [70]), ("70, 72", [70, 72]), ("100-103", [100, 101, 102, 103]), ("5,1-2", [1, 2, 5])],
)
def test_compounds_filter_by_row_numbers_and_ranges(api, finished_analysis, rows, expected):
    body = api.get(_url(finished_analysis, "compounds/"), {"rows": rows}).json()
    assert [c["row"] for c in body["results"]] == expected


@pytest.mark.parametrize("rows", ["seventy", "3-", "9-2", "1,,x"])
def test_a_malformed_row_filter_answers_400_naming_it(api, finished_analysis, rows):
    response = api.get(_url(finished_analysis, "compounds/"), {"rows": rows})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["message"].startswith("rows: ") and repr(rows.split(",")[-1]) in error["message"]


def test_compounds_order_by_the_size_of_z_with_rows_without_z_last(api, finished_analysis):
    Compound.objects.filter(analysis=finished_analysis, row__in=[1, 2]).update(z=None)
    for ordering in ("-abs_z", "abs_z"):
        body = api.get(
            _url(finished_analysis, "compounds/"), {"ordering": ordering, "page_size": 1000}
        ).json()
        zs = [c["z"] for c in body["results"]]
        scored = [abs(z) for z in zs if z is not None]
        assert scored == sorted(scored, reverse=ordering.startswith("-"))
        # Rows without a z (no model reached them) come after every scored row.
        assert zs[: len(scored)] == [z for z in zs if z is not None]
        assert len(scored) < len(zs)


def test_a_compounds_page_costs_a_fixed_number_of_queries(api, finished_analysis):
    with CaptureQueriesContext(connection) as queries:
        response = api.get(_url(finished_analysis, "compounds/"), {"page_size": 300})
    assert len(response.json()["results"]) == 300
    assert len(queries.captured_queries) <= 4  # token, analysis, count, page


def test_models_lists_the_fitted_rt_models(api, finished_analysis):
    body = api.get(_url(finished_analysis, "models/")).json()
    assert body["count"] == RTModel.objects.filter(analysis=finished_analysis).count() > 0
    model = body["results"][0]
    assert {"model_id", "level", "slope", "intercepts", "r2", "q2", "groups"} <= set(model)


def test_fragments_lists_the_fragment_links(api, finished_analysis):
    body = api.get(_url(finished_analysis, "fragments/"), {"page_size": 1000}).json()
    assert body["count"] == FragmentEvent.objects.filter(analysis=finished_analysis).count() > 0
    event = body["results"][0]
    assert {"parent_row", "fragment_row", "delta_rt", "lost"} <= set(event)


def test_export_csv_downloads_every_row(api, finished_analysis):
    response = api.get(_url(finished_analysis, "export/csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    lines = _body(response).decode("utf-8").strip().splitlines()
    assert len(lines) == 1 + 323


def test_export_xlsx_is_a_workbook_with_the_compounds(api, finished_analysis):
    response = api.get(
        _url(finished_analysis, "export/xlsx"),
        HTTP_ACCEPT="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(_body(response)))
    assert "Compounds" in workbook.sheetnames
    assert workbook["Compounds"].max_row == 1 + 323


def test_export_json_is_valid_json(api, finished_analysis):
    response = api.get(_url(finished_analysis, "export/json"))
    assert response.status_code == 200
    assert isinstance(json.loads(_body(response)), dict)


def test_export_html_is_a_report(api, finished_analysis):
    response = api.get(_url(finished_analysis, "export/html"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"<html" in _body(response)[:2000].lower()


def test_export_of_an_unknown_format_answers_404(api, finished_analysis):
    response = api.get(_url(finished_analysis, "export/docx"))
    assert response.status_code == 404
    assert "docx" in response.json()["error"]["message"]


def test_export_of_an_unfinished_analysis_answers_409(api, queued_analysis):
    response = api.get(_url(queued_analysis, "export/csv"))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_ready"


def test_results_of_a_running_analysis_are_empty_lists(api, queued_analysis):
    Analysis.objects.filter(pk=queued_analysis.pk).update(status="running")
    assert api.get(_url(queued_analysis, "compounds/")).json()["count"] == 0


def test_a_compound_row_reads_the_same_as_the_model_serialised_field_by_field(
    api, finished_analysis
):
    from rest_framework import serializers

    class FieldByField(serializers.ModelSerializer):
        class Meta:
            model = Compound
            exclude = ["id", "analysis"]

    body = api.get(_url(finished_analysis, "compounds/"), {"page_size": 1000}).json()
    expected = FieldByField(
        Compound.objects.filter(analysis=finished_analysis).order_by("row"), many=True
    ).data
    assert body["results"] == json.loads(json.dumps(expected))


def _body(response) -> bytes:
    """A download's bytes: exports are streamed from their file."""
    return b"".join(response.streaming_content) if response.streaming else response.content

"""The HTML pages, through Django's test client: rendering, ownership, sign-in, the upload form
and its errors, history, the analysis page's data endpoints, downloads, comparison, query counts.

(The pages' scripts run in a real browser in test_browser.py.)
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import re

import pytest
from django.core.files.base import ContentFile
from django.utils.html import escape

import ganglioside
from ganglioside import AnalysisConfig, InputError
from ganglioside.inputs import read_table
from ganglioside.web.analyses.models import Analysis, AnalysisStatus
from ganglioside.web.analyses.services import running, submission
from ganglioside.web.common.staticfinders import PLOTLY_STATIC_PATH
from tests.web.conftest import SAMPLE_CSV, make_upload

pytestmark = pytest.mark.django_db

NO_RT = b"Name,Volume\nGD1(36:1;O2),100\nGM1(36:1;O2),50\n"


@pytest.fixture(scope="module")
def sample_result() -> ganglioside.AnalysisResult:
    """The core's own analysis of the sample, to check the pages against."""
    return ganglioside.analyze(SAMPLE_CSV)


def _signed_in(client, user):
    client.force_login(user)
    return client


def _stored_files(settings) -> list[str]:
    media = settings.MEDIA_ROOT
    if not os.path.exists(media):
        return []
    return [os.path.join(root, f) for root, _, files in os.walk(media) for f in files]


def _page_data(response) -> dict:
    match = re.search(
        rb'<script id="page-data" type="application/json">(.*?)</script>', response.content
    )
    assert match, "the page hands no data to its script"
    return json.loads(match.group(1))


def _analysis(user, *, name: str, status: str = AnalysisStatus.SUCCEEDED, **fields) -> Analysis:
    """A stored analysis row without a run (for lists: status, counts and names only)."""
    analysis = Analysis(owner=user, name=name, status=status, input_filename="t.csv", **fields)
    analysis.input_file.save("t.csv", ContentFile(b"Name,RT,Volume\n"), save=False)
    analysis.save()
    return analysis


# -- sign-in and ownership -------------------------------------------------------------------


def _owned_paths(pk: int) -> list[str]:
    return [
        f"/analyses/{pk}/",
        f"/analyses/{pk}/outcome/",
        f"/analyses/{pk}/rows/1/",
        f"/analyses/{pk}/charts/rt/",
        f"/analyses/{pk}/charts/residuals/",
        f"/analyses/{pk}/download/csv/",
        f"/analyses/{pk}/download/xlsx/",
        f"/analyses/compare/?a={pk}&b={pk}",
    ]


@pytest.mark.slow
def test_every_page_asks_an_anonymous_visitor_to_sign_in(client, queued_analysis):
    pages = ["/", "/analyses/", "/analyses/new/", "/analyses/compare/"]
    for path in [*pages, *_owned_paths(queued_analysis.pk)]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/login/?next="), path
    response = client.post(f"/analyses/{queued_analysis.pk}/delete/")
    assert response.status_code == 302
    assert Analysis.objects.filter(pk=queued_analysis.pk).exists()


@pytest.mark.slow
def test_another_users_analysis_is_404_on_every_page(client, other_user, finished_analysis):
    _signed_in(client, other_user)
    for path in _owned_paths(finished_analysis.pk):
        response = client.get(path)
        assert response.status_code == 404, path
        missing = client.get(path.replace(str(finished_analysis.pk), "999999"))
        assert missing.status_code == 404, path
    # Comparing one's own analysis with someone else's is 404 too.
    own = _analysis(other_user, name="mine")
    assert client.get(f"/analyses/compare/?a={own.pk}&b={finished_analysis.pk}").status_code == 404
    assert client.post(f"/analyses/{finished_analysis.pk}/delete/").status_code == 404
    assert Analysis.objects.filter(pk=finished_analysis.pk).exists()
    # ... and none of its content leaks into the other user's own pages.
    for path in ["/", "/analyses/", "/analyses/compare/"]:
        page = client.get(path).content.decode()
        assert f'data-analysis="{finished_analysis.pk}"' not in page
        assert "measured_sample.csv" not in page


# -- each page for its owner -----------------------------------------------------------------


@pytest.mark.slow
def test_every_page_renders_for_the_owner(client, user, finished_analysis, sample_result):
    _signed_in(client, user)
    pk = finished_analysis.pk
    counts = sample_result.summary["by_status"]

    home = client.get("/")
    assert home.status_code == 200
    assert f'href="/analyses/{pk}/"' in home.content.decode()

    history = client.get("/analyses/")
    assert history.status_code == 200 and f'data-analysis="{pk}"' in history.content.decode()

    detail = client.get(f"/analyses/{pk}/")
    assert detail.status_code == 200
    page = detail.content.decode()
    # Summary cards: the core's counts by status, anchors, models and fragment links.
    for key in ("valid", "outlier", "fragment"):
        card = re.search(rf'data-card="{key}".*?<div class="n">(\d+)</div>', page, re.S)
        assert card and int(card.group(1)) == counts[key], key
    # Anchors are a part of the valid rows, as in the CLI and summary.json: no card of their own.
    assert 'data-card="anchors"' not in page
    models = re.search(r'data-card="models".*?<div class="n">(\d+)</div>', page, re.S)
    assert int(models.group(1)) == len(sample_result.models)
    links = re.search(r'data-card="fragments".*?<div class="n">(\d+)</div>', page, re.S)
    assert int(links.group(1)) == len(sample_result.fragments)
    # The group menu of the RT chart lists the core's groups, in its order.
    from ganglioside.report.plots import rt_groups

    menu = re.search(r'<select id="rt-group">(.*?)</select>', page, re.S).group(1)
    assert re.findall(r'<option value="([^"]+)"', menu) == rt_groups(sample_result)
    # Abundance charts embedded as Plotly JSON; every export offered.
    for level in ("category", "headgroup", "ceramide"):
        assert f'id="fig-abundance-{level}"' in page
    for kind in ("csv", "xlsx", "json", "html"):
        assert f'href="/analyses/{pk}/download/{kind}/"' in page
    data = _page_data(detail)
    assert data["finished"] is True and data["status"] == "succeeded"
    assert data["websocket"] == f"/ws/analyses/{pk}/"
    assert data["compounds"] == f"/api/v1/analyses/{pk}/compounds/"

    outcome = client.get(f"/analyses/{pk}/outcome/")
    assert outcome.status_code == 200 and 'id="results"' in outcome.content.decode()
    assert "<html" not in outcome.content.decode()  # a fragment of the page, not a page

    assert client.get("/analyses/new/").status_code == 200
    assert client.get(f"/analyses/compare/?a={pk}&b={pk}").status_code == 200


@pytest.mark.slow
def test_the_valid_card_counts_every_valid_row_and_its_anchors_as_a_part(
    client, user, finished_analysis, sample_result
):
    comp = sample_result.compounds
    valid = comp["status"] == "valid"
    anchors = int((valid & comp["is_anchor"].astype(bool)).sum())
    assert 0 < anchors < int(valid.sum())
    page = _signed_in(client, user).get(f"/analyses/{finished_analysis.pk}/").content.decode()
    card = re.search(r'data-card="valid".*?</div>\s*</div>', page, re.S).group(0)
    assert re.search(r'<div class="n">(\d+)</div>', card).group(1) == str(int(valid.sum()))
    assert f"of which {anchors} anchors" in card


@pytest.mark.slow
def test_no_page_counts_one_row_in_the_plural(client, user, finished_analysis, sample_result):
    comp = sample_result.compounds
    sizes = comp[comp["rt"].notna() & comp["log_p"].notna()]["group_key"].value_counts()
    single = sizes[sizes == 1].index[0]  # a group of one row (GM4 in the sample)
    _signed_in(client, user)
    page = client.get(f"/analyses/{finished_analysis.pk}/").content.decode()
    assert f">{single} (1 row, " in page
    for path in ("/", "/analyses/", f"/analyses/{finished_analysis.pk}/"):
        text = client.get(path).content.decode()
        assert not re.search(r"\b1 (rows|anchors|parents)\b", text), path


@pytest.mark.slow
def test_the_pages_load_plotly_from_this_server_and_nothing_from_elsewhere(
    client, user, finished_analysis
):
    _signed_in(client, user)
    page = client.get(f"/analyses/{finished_analysis.pk}/").content.decode()
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert f"/static/{PLOTLY_STATIC_PATH}" in sources
    assert all(s.startswith("/static/") or s == "data:," for s in sources), sources
    # No inline script: the Content-Security-Policy allows scripts from this origin only.
    inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", page)
    assert inline == []
    plotly = client.get(f"/static/{PLOTLY_STATIC_PATH}")
    assert plotly.status_code == 200
    body = b"".join(plotly.streaming_content) if plotly.streaming else plotly.content
    assert b"plotly.js" in body[:500]


# -- upload ------------------------------------------------------------------------------------


def test_the_upload_form_shows_every_parameter_with_its_default(client, user, settings):
    settings.GANGLIOSIDE_MAX_UPLOAD_MB = 7.5
    html = _signed_in(client, user).get("/analyses/new/").content.decode()
    assert "up to 7.5 MB" in html
    shown = re.findall(r'data-parameter="([a-z_0-9]+)"', html)
    assert shown == [f.name for f in dataclasses.fields(AnalysisConfig)]
    for name, default in AnalysisConfig().to_dict().items():
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
        if isinstance(default, bool):
            assert ("checked" in tag) is default, name
        elif isinstance(default, dict):
            assert 'value="{}"' in tag, name
        else:
            assert re.search(rf'value="{re.escape(str(default))}"', tag), (name, tag)
        start = html.index(f'data-parameter="{name}"')
        end = html.find("data-parameter=", start + 1)
        assert "Default:" in html[start : end if end > 0 else None], name


def test_a_file_the_core_cannot_read_shows_the_cores_error_and_stores_nothing(
    client, user, settings, tmp_path
):
    path = tmp_path / "no_rt.csv"
    path.write_bytes(NO_RT)
    with pytest.raises(InputError) as core_error:
        read_table(path)
    _signed_in(client, user)
    response = client.post("/analyses/new/", {"file": make_upload(NO_RT, "no_rt.csv")})
    assert response.status_code == 400
    html = response.content.decode()
    error = re.search(
        r'<div class="alert bad" role="alert" id="input-error">(.*?)</div>', html, re.S
    )
    assert error, "the input error is not shown next to the form"
    assert escape(core_error.value.message) in error.group(1)
    assert "no_rt.csv" in error.group(1)
    assert Analysis.objects.count() == 0
    assert _stored_files(settings) == []


def test_a_parameter_out_of_range_is_shown_at_its_field_and_nothing_is_stored(
    client, user, sample_bytes, settings
):
    _signed_in(client, user)
    response = client.post(
        "/analyses/new/", {"file": make_upload(sample_bytes), "outlier_z": "-1", "robust": "on"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    start = html.index('data-parameter="outlier_z"')
    field = html[start : html.index("data-parameter=", start + 1)]
    assert "outlier_z must be a number &gt; 0" in field
    assert Analysis.objects.count() == 0
    assert _stored_files(settings) == []


def test_a_valid_upload_is_queued_with_its_parameters_and_opens_its_page(
    client, user, sample_bytes, django_capture_on_commit_callbacks
):
    _signed_in(client, user)
    form = {
        "file": make_upload(sample_bytes),
        "name": "run with z 3",
        "outlier_z": "3",
        "min_anchors_group_model": "",  # empty: the default
        "isomer_elution_order": '{"GD1": ["b", "a"]}',
        # robust left unticked: the checkbox means False
    }
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/analyses/new/", form)
    analysis = Analysis.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/analyses/{analysis.pk}/"
    assert len(callbacks) == 1  # the run is sent to the executor when the upload commits
    assert analysis.name == "run with z 3" and analysis.status == "queued"
    assert analysis.parameters["outlier_z"] == 3.0
    assert analysis.parameters["min_anchors_group_model"] == 5
    assert analysis.parameters["robust"] is False
    assert analysis.parameters["isomer_elution_order"] == {"GD1": ["b", "a"]}
    with analysis.input_file.open("rb") as handle:
        assert handle.read() == sample_bytes

    page = client.get(f"/analyses/{analysis.pk}/")
    html = page.content.decode()
    assert 'id="progress-panel"' in html and 'data-status="queued"' in html
    assert _page_data(page)["finished"] is False


def test_malformed_json_for_a_mapping_parameter_is_explained(client, user, sample_bytes):
    _signed_in(client, user)
    response = client.post(
        "/analyses/new/",
        {"file": make_upload(sample_bytes), "isomer_elution_order": "{GD1: b}"},
    )
    assert response.status_code == 400
    assert "not valid JSON" in response.content.decode()
    assert Analysis.objects.count() == 0


def test_uploads_over_the_limit_are_refused_with_the_wait(client, user, sample_bytes, settings):
    settings.GANGLIOSIDE_RATES = {**settings.GANGLIOSIDE_RATES, "uploads": "1/min"}
    _signed_in(client, user)
    first = client.post("/analyses/new/", {"file": make_upload(sample_bytes)})
    assert first.status_code == 302
    second = client.post("/analyses/new/", {"file": make_upload(sample_bytes)})
    assert second.status_code == 429
    assert "upload limit" in second.content.decode()
    assert Analysis.objects.count() == 1


# -- history -----------------------------------------------------------------------------------


def test_history_filters_by_status_and_pages_through(client, user, other_user):
    for i in range(23):
        _analysis(user, name=f"done {i:02d}")
    for i in range(3):
        _analysis(user, name=f"broken {i}", status=AnalysisStatus.FAILED)
    _analysis(other_user, name="not mine", status=AnalysisStatus.FAILED)
    _signed_in(client, user)

    def names(response) -> list[str]:
        return re.findall(r'<a href="/analyses/\d+/">([^<]+)</a>', response.content.decode())

    first = client.get("/analyses/")
    assert len(names(first)) == 20
    assert names(first)[0] == "broken 2"  # newest first
    assert "page 1 of 2" in first.content.decode()
    second = client.get("/analyses/?page=2")
    assert len(names(second)) == 6
    assert set(names(first)).isdisjoint(names(second))

    failed = client.get("/analyses/?status=failed")
    assert sorted(names(failed)) == ["broken 0", "broken 1", "broken 2"]
    assert 'data-filter="failed" aria-current="true"' in failed.content.decode()
    succeeded = client.get("/analyses/?status=succeeded&page=2")
    assert len(names(succeeded)) == 3
    # The pager keeps the filter.
    assert 'href="?status=succeeded&amp;page=1"' in succeeded.content.decode()
    # An unknown status shows everything rather than failing.
    assert len(names(client.get("/analyses/?status=bogus"))) == 20


def test_history_queries_do_not_grow_with_the_number_of_analyses(
    client, user, django_assert_max_num_queries
):
    for i in range(40):
        _analysis(user, name=f"a{i}", status_counts={"valid": i, "outlier": 1})
    _signed_in(client, user)
    with django_assert_max_num_queries(6):
        response = client.get("/analyses/")
    assert response.status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get("/").status_code == 200


# -- the analysis page's data ------------------------------------------------------------------


@pytest.mark.slow
def test_the_analysis_page_needs_few_queries(
    client, user, finished_analysis, django_assert_max_num_queries
):
    _signed_in(client, user)
    # session, user, analysis, groups, abundance rows, models
    with django_assert_max_num_queries(8):
        assert client.get(f"/analyses/{finished_analysis.pk}/").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(f"/analyses/{finished_analysis.pk}/charts/rt/").status_code == 200


@pytest.mark.slow
def test_the_rt_chart_of_a_group_has_its_rows_model_lines_and_outliers(
    client, user, finished_analysis, sample_result
):
    _signed_in(client, user)
    comp = sample_result.compounds
    outliers = comp[comp["status"] == "outlier"]
    group = outliers["group_key"].value_counts().index[0]  # the group with most outliers
    rows = comp[(comp["group_key"] == group) & comp["rt"].notna() & comp["log_p"].notna()]

    response = client.get(f"/analyses/{finished_analysis.pk}/charts/rt/", {"group": group})
    assert response.status_code == 200
    body = response.json()
    assert body["group"] == group
    traces = body["figure"]["data"]
    points = [t for t in traces if t.get("mode") == "markers" and "hovertext" in t]
    # Every plotted row of the group, once (plus rings for parents in other groups).
    own = [t for t in points if not t["name"].startswith("parent (other group)")]
    assert sum(len(t["x"]) for t in own) == len(rows)
    outlier_trace = next(t for t in points if t["name"].startswith("outlier"))
    assert len(outlier_trace["x"]) == int((rows["status"] == "outlier").sum())
    # Hover labels name the row.
    assert all("row " in label for label in outlier_trace["hovertext"])
    assert any(t.get("mode") == "lines" and "model" in t["name"] for t in traces)

    default = client.get(f"/analyses/{finished_analysis.pk}/charts/rt/").json()
    assert default["group"]  # the best-anchored group when none is asked for
    missing = client.get(f"/analyses/{finished_analysis.pk}/charts/rt/", {"group": "GX9"})
    assert missing.status_code == 404


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["residuals", "observed-predicted"])
def test_the_overview_charts_plot_every_scored_row_but_fragments(
    client, user, finished_analysis, sample_result, kind
):
    comp = sample_result.compounds
    scored = comp[comp["z"].notna() & (comp["status"] != "fragment")]
    _signed_in(client, user)
    response = client.get(f"/analyses/{finished_analysis.pk}/charts/{kind}/")
    assert response.status_code == 200
    traces = response.json()["figure"]["data"]
    points = [t for t in traces if t.get("mode") == "markers"]
    assert sum(len(t["y"]) for t in points) == len(scored)
    assert client.get(f"/analyses/{finished_analysis.pk}/charts/nothing/").status_code == 404


# -- one row's page ------------------------------------------------------------------------------


def _row_page(client, analysis, row) -> str:
    response = client.get(f"/analyses/{analysis.pk}/rows/{row}/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.slow
def test_a_fragments_page_shows_its_evidence_and_links_to_its_parent(
    client, user, finished_analysis, sample_result
):
    comp = sample_result.compounds
    frag = comp[comp["status"] == "fragment"].iloc[0]
    parent = comp[comp["row"] == frag["fragment_parent"]].iloc[0]
    _signed_in(client, user)
    page = _row_page(client, finished_analysis, int(frag["row"]))
    assert f"<h1>{escape(frag['name'])}</h1>" in page
    reasons = re.search(r'id="row-reasons">(.*?)</ul>', page, re.S).group(1)
    assert re.findall(r"<li>(.*?)</li>", reasons) == [
        escape(r) for r in frag["reasons"].split("; ")
    ]
    checks = re.search(r'id="row-evidence">(.*?)</div>', page, re.S).group(1)
    assert re.findall(r'class="check">(.*?)<', checks) == frag["evidence"].split(";")
    assert re.search(r'id="row-z">\s*([-+]\d+\.\d\d)<', page).group(1) == f"{frag['z']:+.2f}"
    parents = re.search(r'data-side="parent">(.*?)</table>', page, re.S).group(1)
    row_url = f"/analyses/{finished_analysis.pk}/rows/{int(parent['row'])}/"
    assert f'href="{row_url}">{int(parent["row"])}</a>' in parents
    assert escape(parent["name"]) in parents and escape(frag["fragment_lost"]) in parents
    # The parent's page lists this fragment among its own.
    fragments = re.search(
        r'data-side="fragment">(.*?)</table>',
        _row_page(client, finished_analysis, int(parent["row"])),
        re.S,
    ).group(1)
    assert f'data-row="{int(frag["row"])}"' in fragments
    # Its place on the RT chart: the page hands its group and point to the script.
    data = _page_data(client.get(f"/analyses/{finished_analysis.pk}/rows/{int(frag['row'])}/"))
    assert data["group"] == frag["group_key"] and data["point"] == {
        "x": frag["log_p"],
        "y": frag["rt"],
    }


@pytest.mark.slow
def test_an_o_acetylated_rows_page_links_to_its_base_peak_and_back(
    client, user, finished_analysis, sample_result
):
    comp = sample_result.compounds
    acetylated = comp[comp["oac_base_row"].notna()].iloc[0]
    base = int(acetylated["oac_base_row"])
    _signed_in(client, user)
    page = _row_page(client, finished_analysis, int(acetylated["row"]))
    assert f'href="/analyses/{finished_analysis.pk}/rows/{base}/">row {base}</a>' in page
    back = _row_page(client, finished_analysis, base)
    partners = re.search(r"O-acetylated partners</dt><dd>(.*?)</dd>", back, re.S).group(1)
    assert f'rows/{int(acetylated["row"])}/">row {int(acetylated["row"])}</a>' in partners


@pytest.mark.slow
def test_a_row_that_does_not_exist_or_an_unfinished_analysis_is_404(
    client, user, finished_analysis, queued_analysis
):
    _signed_in(client, user)
    assert client.get(f"/analyses/{finished_analysis.pk}/rows/99999/").status_code == 404
    assert client.get(f"/analyses/{queued_analysis.pk}/rows/1/").status_code == 404


def test_a_failed_analysis_shows_its_error(client, user):
    failed = _analysis(
        user,
        name="bad table",
        status=AnalysisStatus.FAILED,
        error_message="the column RT has text where a number is expected",
        error_details={"file": "t.csv", "row": 7, "column": "RT", "value": "abc"},
    )
    _signed_in(client, user)
    html = client.get(f"/analyses/{failed.pk}/").content.decode()
    failure = re.search(r'id="failure">(.*?)</div>', html, re.S).group(1)
    assert "the column RT has text where a number is expected" in failure
    assert "<dt>Row</dt><dd>7</dd>" in failure and "<code>abc</code>" in failure
    assert 'id="progress-panel"' not in html


def test_names_from_users_are_escaped(client, user):
    _analysis(user, name="<script>alert(1)</script>x")
    _signed_in(client, user)
    for path in ["/", "/analyses/"]:
        html = client.get(path).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;x" in html


# -- downloads and delete ----------------------------------------------------------------------


@pytest.mark.slow
def test_downloads_hold_the_export(client, user, finished_analysis, sample_result):
    _signed_in(client, user)
    response = client.get(f"/analyses/{finished_analysis.pk}/download/csv/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; filename=")
    content = b"".join(response.streaming_content)
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert len(rows) == len(sample_result.compounds)
    assert [r["status"] for r in rows] == list(sample_result.compounds["status"])
    assert client.get(f"/analyses/{finished_analysis.pk}/download/docx/").status_code == 404


def test_a_download_of_an_unfinished_analysis_explains_why_not(client, user, queued_analysis):
    _signed_in(client, user)
    response = client.get(f"/analyses/{queued_analysis.pk}/download/csv/", follow=True)
    assert response.status_code == 200
    assert "has not succeeded" in response.content.decode()


def test_the_owner_deletes_an_analysis_by_post_only(client, user, queued_analysis, settings):
    _signed_in(client, user)
    assert client.get(f"/analyses/{queued_analysis.pk}/delete/").status_code == 405
    response = client.post(f"/analyses/{queued_analysis.pk}/delete/", follow=True)
    assert response.redirect_chain[-1][0] == "/analyses/"
    assert "Deleted" in response.content.decode()
    assert not Analysis.objects.filter(pk=queued_analysis.pk).exists()


# -- comparison --------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_comparison_shows_abundances_side_by_side_and_the_rows_whose_status_differs(
    client, user, sample_bytes, django_assert_max_num_queries
):
    runs = {}
    for z in (2.5, 4.0):
        created = submission.analysis_create(
            owner=user,
            file=make_upload(sample_bytes),
            name=f"z {z}",
            parameters={"outlier_z": z},
            start=False,
        )
        runs[z] = running.analysis_run(analysis_id=created.pk)
        assert runs[z].status == "succeeded"
    # What the core itself says differs between the two settings.
    strict = ganglioside.analyze(SAMPLE_CSV, AnalysisConfig(outlier_z=2.5)).compounds
    loose = ganglioside.analyze(SAMPLE_CSV, AnalysisConfig(outlier_z=4.0)).compounds
    differ = strict["status"].to_numpy() != loose["status"].to_numpy()
    expected_rows = [int(r) for r in strict.loc[differ, "row"]]
    assert expected_rows, "the two settings should change some statuses"

    a, b = runs[2.5], runs[4.0]
    _signed_in(client, user)
    with django_assert_max_num_queries(10):
        response = client.get("/analyses/compare/", {"a": a.pk, "b": b.pk})
    assert response.status_code == 200
    html = response.content.decode()
    changes = html[html.index('id="changes"') :]
    shown = [int(r) for r in re.findall(r'<tr data-row="(\d+)" data-row-b="\1">', changes)]
    assert shown == sorted(expected_rows)[: len(shown)]
    assert len(shown) == min(100, len(expected_rows))
    assert f'<div class="n" id="n-changes">{len(expected_rows)}</div>' in html
    first = shown[0]
    row = re.search(
        rf'<tr data-row="{first}" data-row-b="{first}">(.*?)</tr>', changes, re.S
    ).group(1)
    assert strict.loc[strict["row"] == first, "status"].item() in row
    assert loose.loc[loose["row"] == first, "status"].item() in row

    # Abundance by category: both columns, as the core's summaries give them.
    table = html[html.index('id="abundance-category"') :]
    table = table[: table.index("</table>")]
    for item in a.summary["abundance"]["by_category"]:
        cells = re.search(rf'<tr data-key="{item["category"]}">(.*?)</tr>', table, re.S).group(1)
        assert f"{item['percent']:.2f}" in cells
    assert 'id="abundance-headgroup"' in html
    for tag in ("fig-compare-category", "fig-compare-headgroup"):
        assert f'id="{tag}"' in html

    # Ticking two rows of the history page leads to the same comparison.
    ticked = client.get("/analyses/compare/", {"id": [a.pk, b.pk]})
    assert f'<div class="n" id="n-changes">{len(expected_rows)}</div>' in ticked.content.decode()


def test_the_comparison_refuses_unfinished_analyses_and_asks_for_two(client, user, queued_analysis):
    done = _analysis(user, name="done")
    _signed_in(client, user)
    response = client.get("/analyses/compare/", {"a": done.pk, "b": queued_analysis.pk})
    assert response.status_code == 200
    assert "Both analyses must have succeeded" in response.content.decode()
    assert "Pick two analyses" in client.get("/analyses/compare/", {"a": done.pk}).content.decode()
    # Only finished analyses are offered.
    page = client.get("/analyses/compare/").content.decode()
    assert f'<option value="{done.pk}"' in page
    assert f'<option value="{queued_analysis.pk}"' not in page


@pytest.mark.slow
def test_a_rows_page_shows_its_identification_level(client, user, finished_analysis, sample_result):
    comp = sample_result.compounds
    anchor = comp[comp["is_anchor"]].iloc[0]
    _signed_in(client, user)
    page = _row_page(client, finished_analysis, int(anchor["row"]))
    shown = re.search(r'id="row-identification">(.*?)</dd>', page, re.S).group(1)
    assert shown == "1 (standard)"

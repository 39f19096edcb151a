"""Exports as states: ``succeeded`` means downloadable, a file being written answers like a job
(202 + where to poll, a progress page), a failed writer is a state with its reason (422, a page
with one button to write it again), never a retry loop or an error page saved as the file."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ganglioside.web.analyses.models import Analysis, Artifact
from ganglioside.web.analyses.services import curation, downloads, exports, running
from tests.web.conftest import make_upload

pytestmark = pytest.mark.slow

URL = "/api/v1/analyses/"
LIGHT = ("csv", "xlsx", "json", "html")


@pytest.fixture
def after_run(settings):
    settings.GANGLIOSIDE_EXPORTS_AFTER_RUN = True


@pytest.fixture
def worker(settings, monkeypatch):
    """A Celery worker that never answers: what the web process sends it, recorded."""
    from ganglioside.web import dispatch

    settings.GANGLIOSIDE_EXECUTOR = "celery"
    sent: list[tuple[str, list[int]]] = []
    monkeypatch.setattr(
        dispatch.app,
        "send_task",
        lambda name, args: sent.append((name, args)) or SimpleNamespace(id="sent"),
    )
    return sent


def test_succeeded_is_stored_only_once_the_light_exports_exist(
    api, queued_analysis, after_run, monkeypatch
):
    seen = []
    prepare = running.exports_prepare

    def watched(analysis, result, kinds):
        seen.append(Analysis.objects.get(pk=analysis.pk).status)
        return prepare(analysis, result, kinds)

    monkeypatch.setattr(running, "exports_prepare", watched)
    running.analysis_run(analysis_id=queued_analysis.pk)
    assert seen == ["running"]  # written before the status says succeeded
    kinds = set(Artifact.objects.filter(analysis=queued_analysis).values_list("kind", flat=True))
    assert kinds == set(LIGHT)


def test_the_first_api_request_after_succeeded_answers_200_for_every_light_export(
    api, queued_analysis, after_run, worker
):
    running.analysis_run(analysis_id=queued_analysis.pk)
    assert api.get(f"{URL}{queued_analysis.pk}/").json()["status"] == "succeeded"
    for kind in LIGHT:
        response = api.get(f"{URL}{queued_analysis.pk}/export/{kind}")
        assert response.status_code == 200, (kind, response.content[:200])
    assert worker == []  # nothing had to be asked of a worker


def test_the_pdf_on_first_request_answers_202_with_where_to_poll(
    api, queued_analysis, after_run, worker
):
    running.analysis_run(analysis_id=queued_analysis.pk)
    url = f"{URL}{queued_analysis.pk}/export/pdf"
    response = api.get(url)
    assert response.status_code == 202
    assert response["Location"].endswith(url)
    assert response["Retry-After"] == "5"
    body = response.json()["error"]
    assert body["code"] == "being_written" and body["details"]["poll"].endswith(url)
    assert len(worker) == 1
    exports.exports_render(analysis_id=queued_analysis.pk)  # the worker's job
    done = api.get(url)
    assert done.status_code == 200 and b"".join(done.streaming_content).startswith(b"%PDF-")


def test_a_failed_export_is_a_state_with_its_reason_not_a_retry_loop(
    api, finished_analysis, monkeypatch
):
    calls = []
    write = exports._write_files

    def broken(result, folder, kinds):
        calls.append(kinds)
        if "pdf" in kinds:
            raise ValueError("the maths parser met '$x^{2$'")
        return write(result, folder, kinds)

    monkeypatch.setattr(exports, "_write_files", broken)
    url = f"{URL}{finished_analysis.pk}/export/pdf"
    first = api.get(url)
    assert first.status_code == 422, first.content
    error = first.json()["error"]
    assert error["code"] == "export_failed"
    assert "ValueError: the maths parser met '$x^{2$'" in error["message"]
    finished_analysis.refresh_from_db()
    assert "pdf" in finished_analysis.export_failures
    tried = len(calls)
    assert api.get(url).status_code == 422
    assert len(calls) == tried  # answered from the stored state, not written again
    # other exports are unaffected
    assert api.get(f"{URL}{finished_analysis.pk}/export/csv").status_code == 200
    # fixed, and asked again: one POST writes it
    monkeypatch.setattr(exports, "_write_files", write)
    again = api.post(url)
    assert again.status_code == 200
    assert b"".join(again.streaming_content).startswith(b"%PDF-")
    finished_analysis.refresh_from_db()
    assert finished_analysis.export_failures == {}


def test_after_a_decision_the_api_answers_202_then_the_file(
    api, user, queued_analysis, after_run, worker
):
    running.analysis_run(analysis_id=queued_analysis.pk)
    queued_analysis.refresh_from_db()
    curation.decision_create(
        analysis=queued_analysis, user=user, row=1, action="status", status="valid", reason="ok"
    )
    url = f"{URL}{queued_analysis.pk}/export/csv"
    pending = api.get(url)
    assert pending.status_code == 202 and pending["Location"].endswith(url)
    exports.exports_render(analysis_id=queued_analysis.pk)
    assert api.get(url).status_code == 200


def test_download_links_have_no_download_attribute(client, user, finished_analysis):
    client.force_login(user)
    page = client.get(f"/analyses/{finished_analysis.pk}/").content.decode()
    assert 'data-download="csv"' in page
    assert " download data-download" not in page


def test_the_page_shows_progress_while_the_file_is_written(
    client, user, queued_analysis, after_run, worker, monkeypatch
):
    monkeypatch.setattr(downloads, "PAGE_WAIT_SECONDS", 0.3)
    running.analysis_run(analysis_id=queued_analysis.pk)
    client.force_login(user)
    response = client.get(f"/analyses/{queued_analysis.pk}/download/pdf/")
    assert response.status_code == 202
    page = response.content.decode()
    assert 'http-equiv="refresh"' in page and 'id="export-pending"' in page
    assert "Content-Disposition" not in response


def test_the_page_says_an_export_failed_and_writes_it_again_in_one_click(
    client, user, finished_analysis, monkeypatch
):
    write = exports._write_files

    def broken(result, folder, kinds):
        raise RuntimeError("disk full")

    monkeypatch.setattr(exports, "_write_files", broken)
    client.force_login(user)
    url = f"/analyses/{finished_analysis.pk}/download/html/"
    failed = client.get(url)
    assert failed.status_code == 422
    page = failed.content.decode()
    assert "RuntimeError: disk full" in page and 'id="export-again"' in page
    monkeypatch.setattr(exports, "_write_files", write)
    again = client.post(f"/analyses/{finished_analysis.pk}/download/html/again/", follow=True)
    assert again.status_code == 200
    assert again["Content-Disposition"].startswith("attachment;")


def test_a_run_stored_again_keeps_its_new_files_and_drops_the_old(
    user, sample_bytes, after_run, django_capture_on_commit_callbacks
):
    from ganglioside.web.analyses.services import submission

    analysis = submission.analysis_create(owner=user, file=make_upload(sample_bytes), start=False)
    with django_capture_on_commit_callbacks(execute=True):
        running.analysis_run(analysis_id=analysis.pk)
    first = {a.kind: exports.export_path(a) for a in Artifact.objects.filter(analysis=analysis)}
    Analysis.objects.filter(pk=analysis.pk).update(status="queued")
    with django_capture_on_commit_callbacks(execute=True):
        running.analysis_run(analysis_id=analysis.pk)
    second = {a.kind: exports.export_path(a) for a in Artifact.objects.filter(analysis=analysis)}
    assert set(second) == set(LIGHT)
    assert all(p.is_file() for p in second.values())
    assert not any(p.exists() for p in first.values())

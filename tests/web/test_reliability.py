"""Issue 13: what did not hold under abuse and faults, each with the test that shows it holds now.

(The hostile-input battery is tests/web/api/test_hostile_inputs.py; the Redis outage with a real
worker is tests/web/test_redis_outage.py; the schema against the live server is
tests/web/api/test_schemathesis.py.)
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
import time
from types import SimpleNamespace

import pytest
from django.core import mail
from django.db import connection, transaction

from ganglioside import AnalysisConfig, ConfigError
from ganglioside.web.analyses.models import Analysis, Artifact, Compound
from ganglioside.web.analyses.services import deletion, exports, running, submission
from ganglioside.web.common.parameters import BOUNDS

from .conftest import SAMPLE_CSV, make_upload

pytestmark = pytest.mark.django_db

URL = "/api/v1/analyses/"
HEADER = "Name,RT,Volume,Log P,Anchor\n"
GOOD = SAMPLE_CSV.read_text().splitlines()[1:60]


def _csv(rows: list[str]) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode("utf-8")


def _run(user, content: bytes, filename: str = "t.csv") -> Analysis:
    analysis = submission.analysis_create(
        owner=user, file=make_upload(content, filename), start=False
    )
    finished = running.analysis_run(analysis_id=analysis.pk)
    assert finished is not None
    return finished


# -- 1. error text is bounded -------------------------------------------------------------------


@pytest.mark.slow
def test_a_failed_analysis_quoting_huge_cells_stores_and_mails_a_short_error(user, settings):
    settings.GANGLIOSIDE_NOTIFY_BY_EMAIL = True
    user.email = "alice@example.org"
    user.save()
    huge = "GD1(36:1;O2)" + "Z" * 2_000_000
    rows = [f"{huge}{i},{9 + i / 10},100,,F" for i in range(3)]
    analysis = _run(user, _csv(rows))
    assert analysis.status == "failed"
    assert len(analysis.error_message) <= 2100
    assert len(json.dumps(analysis.error_details)) < 2000
    running.analysis_announce_finished(analysis)
    assert len(mail.outbox[-1].body) < 4000


def test_the_api_detail_of_such_an_analysis_stays_small(api, user):
    rows = ["GD1(36:1;O2)" + "Z" * 2_000_000 + ",9.1,100,,F"]
    analysis = _run(user, _csv(rows))
    response = api.get(f"{URL}{analysis.pk}/")
    assert response.status_code == 200 and len(response.content) < 20_000


# -- 2. compressed and wide inputs are checked cheaply at upload ---------------------------------


def test_a_workbook_bomb_is_refused_at_upload_without_unpacking_it(api, settings, monkeypatch):
    from tests.inputs.test_input_limits import bomb_xlsx

    monkeypatch.setenv("GANGLIOSIDE_MAX_UNPACKED_MB", "2")
    content = bomb_xlsx(5_000_000)
    started = time.monotonic()
    response = api.post(URL, {"file": make_upload(content, "bomb.xlsx")}, format="multipart")
    elapsed = time.monotonic() - started
    assert response.status_code == 400, response.json()
    assert "unpacks to 5 MB of XML; at most 2 MB" in response.json()["error"]["message"]
    assert elapsed < 5  # generous: the zip directory is read, not the sheet
    assert Analysis.objects.count() == 0


def test_ten_thousand_columns_are_refused_at_upload(api):
    header = ",".join(["Name", "RT", "Volume", *[f"c{i}" for i in range(10_000)]])
    content = (header + "\nGD1(36:1;O2),9,1" + ",0" * 10_000 + "\n").encode()
    response = api.post(URL, {"file": make_upload(content, "wide.csv")}, format="multipart")
    assert response.status_code == 400
    assert "10,003 columns" in response.json()["error"]["message"]
    assert Analysis.objects.count() == 0


def test_the_upload_reads_only_the_head_of_a_large_table(api, monkeypatch):
    from ganglioside.web.methods import reading

    seen: list[int] = []
    real = reading.read_table

    def counting(table, **kwargs):
        seen.append(len(table.cells))
        return real(table, **kwargs)

    monkeypatch.setattr(reading, "read_table", counting)
    rows = GOOD * 200  # about 11,800 rows, 400 KB
    content = _csv(rows)
    assert len(content) > 256 * 1024
    response = api.post(URL, {"file": make_upload(content, "big.csv")}, format="multipart")
    assert response.status_code == 202
    assert seen and max(seen) < len(rows) * 0.7  # the first 256 KB only; the worker reads all


# -- 3. NUL and control characters never reach the database -------------------------------------


def test_a_nul_in_a_name_after_4_kb_gives_an_invalid_row_on_postgresql(postgres, user):
    rows = [*GOOD, *GOOD, *GOOD, "GD1(36:1;O2)\x00evil,9.1,100,,F"]
    content = _csv(rows)
    assert content.index(b"\x00") > 4096
    analysis = _run(user, content)
    assert analysis.status == "succeeded", analysis.error_message
    last = Compound.objects.filter(analysis=analysis).order_by("-row").first()
    assert last.status == "invalid" and "control character" in last.reasons
    assert "\x00" not in last.name and "\ufffd" in last.name


def test_a_nul_in_an_extra_column_is_stored_replaced(postgres, user):
    rows = [",".join(r.split(",")[:3]) + ",note" for r in GOOD * 3]
    rows[-1] = rows[-1].replace("note", "n\x00te")
    content = ("Name,RT,Volume,Note\n" + "\n".join(rows) + "\n").encode()
    analysis = _run(user, content)
    assert analysis.status == "succeeded", analysis.error_message
    last = Compound.objects.filter(analysis=analysis).order_by("-row").first()
    assert last.extra["Note"] == "n\ufffdte"


# -- 5. filter values are validated -------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "created_after=2000-01-01T00:00:00%2B24:00",
        "created_before=0001-01-01T00:00:00%2B01:00",
        "created_after=yesterday",
        "status=nope",
        "page_size=null",
        "page_size=0",
        "page_size=1001",
        "search=a%00b",
    ],
)
def test_a_bad_filter_value_is_a_400_not_a_500(api, user, query):
    submission.analysis_create(owner=user, file=make_upload(SAMPLE_CSV.read_bytes()), start=False)
    response = api.get(f"{URL}?{query}")
    assert response.status_code == 400, (query, response.content[:300])
    assert response.json()["error"]["message"]


@pytest.mark.parametrize("offset", ["%2B15:30", "%2B16:00", "-23:59"])
def test_an_offset_postgresql_refuses_is_converted_to_utc_first(api, user, offset):
    submission.analysis_create(owner=user, file=make_upload(SAMPLE_CSV.read_bytes()), start=False)
    response = api.get(f"{URL}?created_after=2000-01-01T00:00:00{offset}")
    assert response.status_code == 200 and response.json()["count"] == 1


def test_a_page_past_the_last_is_a_documented_404(api):
    assert api.get(f"{URL}?page=99").status_code == 404


# -- 6. delete while the rows are being stored --------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_delete_while_the_worker_stores_rows_answers_409_and_keeps_the_analysis(
    postgres, api, user, settings
):
    settings.GANGLIOSIDE_DELETE_WAIT = 0.5
    analysis = submission.analysis_create(
        owner=user, file=make_upload(SAMPLE_CSV.read_bytes()), start=False
    )
    locked, release = threading.Event(), threading.Event()

    def store() -> None:  # what _store_result does: lock the row, insert rows, commit
        try:
            with transaction.atomic():
                Analysis.objects.select_for_update().get(pk=analysis.pk)
                Compound.objects.create(analysis_id=analysis.pk, row=1, status="valid")
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    worker = threading.Thread(target=store)
    worker.start()
    assert locked.wait(10)
    try:
        response = api.delete(f"{URL}{analysis.pk}/")
    finally:
        release.set()
        worker.join()
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "busy" and response["Retry-After"]
    assert Analysis.objects.filter(pk=analysis.pk).exists()
    # Once the rows are stored, the delete goes through.
    assert api.delete(f"{URL}{analysis.pk}/").status_code == 204
    assert not Compound.objects.filter(analysis_id=analysis.pk).exists()


def test_the_delete_page_explains_a_busy_analysis(client, user, queued_analysis, monkeypatch):
    def busy(**kwargs):
        raise deletion.AnalysisBusy(3)

    monkeypatch.setattr(deletion, "analysis_delete", busy)
    client.force_login(user)
    response = client.post(f"/analyses/{queued_analysis.pk}/delete/", follow=True)
    assert "being stored right now" in response.content.decode()


# -- 9. exports are files written by the worker -------------------------------------------------


@pytest.mark.slow
def test_a_download_is_a_file_transfer_and_behind_nginx_an_accel_redirect(
    api, finished_analysis, settings
):
    exports.exports_render(analysis_id=finished_analysis.pk)
    url = f"{URL}{finished_analysis.pk}/export/csv"
    streamed = api.get(url)
    assert streamed.status_code == 200 and streamed.streaming
    settings.GANGLIOSIDE_ACCEL_REDIRECT = "/_exports/"
    accel = api.get(url)
    artifact = Artifact.objects.get(analysis=finished_analysis, kind="csv")
    assert accel["X-Accel-Redirect"] == "/_exports/" + artifact.path.removeprefix("exports/")
    assert accel["Content-Disposition"] == f'attachment; filename="{artifact.filename}"'
    assert accel.content == b""


@pytest.mark.slow
def test_with_a_worker_a_missing_export_is_asked_of_it_not_rendered_here(
    api, finished_analysis, settings, monkeypatch
):
    from ganglioside.web import dispatch
    from ganglioside.web.analyses import execution

    settings.GANGLIOSIDE_EXECUTOR = "celery"
    sent = []
    monkeypatch.setattr(
        dispatch.app,
        "send_task",
        lambda name, args: sent.append((name, args)) or SimpleNamespace(id="sent"),
    )
    monkeypatch.setattr(
        exports, "exports_write", lambda *a, **k: pytest.fail("rendered in the web process")
    )
    response = api.get(f"{URL}{finished_analysis.pk}/export/html")
    assert response.status_code == 202 and response.json()["error"]["code"] == "being_written"
    assert response["Retry-After"] == "5"
    assert sent == [(execution.RENDER_EXPORTS_TASK, [finished_analysis.pk])]
    api.get(f"{URL}{finished_analysis.pk}/export/csv")  # asked once a minute at most
    assert len(sent) == 1


# -- 10. small ones -----------------------------------------------------------------------------


def test_every_response_carries_a_permissions_policy(client):
    response = client.get("/accounts/login/")
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.slow
@pytest.mark.parametrize("url", ["console://", "locmem://"])
def test_the_mail_urls_listed_in_env_example_start_the_process(url, tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ganglioside.web.settings",
        "SECRET_KEY": "x" * 50,
        "EMAIL_URL": url,
        "GANGLIOSIDE_DATA_DIR": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.EMAIL_BACKEND)"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(f"{url[:-3]}.EmailBackend")


def test_backup_files_are_readable_by_their_owner_only(user, tmp_path, settings):
    from django.core.management import call_command

    call_command("backup", output=tmp_path / "b", stdout=open(os.devnull, "w"))  # noqa: SIM115
    (folder,) = (tmp_path / "b").iterdir()
    for child in folder.iterdir():
        assert stat.S_IMODE(child.stat().st_mode) == 0o600, child.name


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("fragment_rt_window", "0", "greater than 0"),
        ("isomer_elution_order", "0", "each core name maps to a list"),
        ("isomer_elution_order", '{"GD1": "ab"}', "each core name maps to a list"),
        ("min_q2", "2", "less than or equal to 1"),
        ("min_anchors_group_model", "2", "greater than or equal to 3"),
    ],
)
def test_a_parameter_outside_its_documented_range_is_a_clear_400(api, field, value, message):
    response = api.post(
        URL, {"file": make_upload(SAMPLE_CSV.read_bytes()), field: value}, format="multipart"
    )
    assert response.status_code == 400
    error = response.json()["error"]["message"]
    assert error.startswith(f"{field}:") and message in error
    assert "iterable" not in error


@pytest.mark.parametrize(("name", "bounds"), sorted(BOUNDS.items()))
def test_the_apis_parameter_ranges_are_the_cores(name, bounds):
    default = getattr(AnalysisConfig(), name)
    kind = type(default)
    inside = bounds.minimum + (0.5 if bounds.exclusive or kind is float else 0)
    if name == "oac_coelution":
        inside = 0.0
    AnalysisConfig().replace(**{name: kind(inside)})
    outside = bounds.minimum if bounds.exclusive else bounds.minimum - 1
    with pytest.raises(ConfigError):
        AnalysisConfig().replace(**{name: kind(outside)})
    if bounds.maximum is not None:
        with pytest.raises(ConfigError):
            AnalysisConfig().replace(**{name: kind(bounds.maximum + 1)})


# -- 4. an upload whose message never reached the broker ----------------------------------------


def test_an_upload_the_broker_refused_is_stored_and_resent_by_the_sweep(
    api, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone
    from kombu.exceptions import OperationalError

    from ganglioside.web.analyses import execution
    from ganglioside.web.analyses.services import recovery

    settings.GANGLIOSIDE_EXECUTOR = "celery"
    sent: list[int] = []

    def broker_down(analysis_id: int) -> str:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(execution, "enqueue", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(URL, {"file": make_upload(SAMPLE_CSV.read_bytes())}, format="multipart")
    assert response.status_code == 202  # stored; the sweep sends it
    pk = response.json()["id"]
    assert Analysis.objects.get(pk=pk).task_id == ""

    monkeypatch.setattr(execution, "enqueue", lambda analysis_id: sent.append(analysis_id) or "t1")
    with django_capture_on_commit_callbacks(execute=True):
        assert recovery.analyses_sweep_stuck().requeued == []  # too young yet
    Analysis.objects.filter(pk=pk).update(
        created_at=timezone.now() - timedelta(seconds=settings.GANGLIOSIDE_RESEND_AFTER + 1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert recovery.analyses_sweep_stuck().requeued == [pk]
    assert sent == [pk] and Analysis.objects.get(pk=pk).task_id == "t1"
    assert settings.GANGLIOSIDE_RESEND_AFTER + settings.GANGLIOSIDE_SWEEP_EVERY <= 60

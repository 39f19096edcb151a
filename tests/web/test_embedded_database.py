"""The embedded database (SQLite, the default without ``DATABASE_URL``) under concurrency: the
server's background threads and its requests write at the same time; a statement that meets a
lock is tried again, and a job that stops on an error still records its failure.

When the suite runs on PostgreSQL (CI sets ``DATABASE_URL``), these tests are run again by
:func:`test_the_embedded_database_tests_run_on_sqlite_too`, in a process of their own whose
environment has no ``DATABASE_URL`` nor ``REDIS_URL``: the embedded default is tested in CI."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ElementTree

import pytest
from django.db import OperationalError, connection, transaction

from ganglioside.web import dispatch, heartbeats
from ganglioside.web.analyses import execution
from ganglioside.web.analyses.models import Analysis, AnalysisStatus
from ganglioside.web.analyses.services import submission
from ganglioside.web.common import database
from ganglioside.web.studies.models import SampleStatus, Study, StudySample, StudyStatus
from ganglioside.web.studies.services import creation
from ganglioside.web.studies.services import running as study_running
from tests.paths import REPO

from .conftest import make_upload
from .studies_data import study_files, uploads

pytestmark = pytest.mark.django_db(transaction=True)

FINISHED = (StudyStatus.SUCCEEDED, StudyStatus.FAILED, StudyStatus.WAITING)


@pytest.fixture
def sqlite():
    if connection.vendor != "sqlite":
        pytest.skip("about the embedded database (SQLite)")
    return connection


def _wait_until(condition, seconds: float = 120) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def _run_study(user, tables, design) -> Study:
    with transaction.atomic():
        study = creation.study_create(owner=user, files=uploads(tables), design=design)
    _wait_until(lambda: Study.objects.get(pk=study.pk).status in FINISHED)
    study.refresh_from_db()
    return study


class _Writers:
    """Threads that read and write the database in short transactions (what the pages' requests
    and other jobs do) until stopped; the errors they met."""

    def __init__(self, user_id: int, count: int = 2) -> None:
        self.user_id = user_id
        self.errors: list[BaseException] = []
        self.writes = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._work) for _ in range(count)]

    def __enter__(self) -> _Writers:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def _work(self) -> None:
        from django.contrib.auth.models import User

        try:
            while not self._stop.is_set():
                with transaction.atomic():
                    list(StudySample.objects.values_list("status", flat=True))
                    User.objects.filter(pk=self.user_id).update(first_name=str(time.monotonic()))
                self.writes += 1
                time.sleep(0.02)  # about 50 writes a second per thread
        except BaseException as exc:  # reported by the test
            self.errors.append(exc)
        finally:
            connection.close()


@pytest.mark.slow
def test_a_study_runs_twenty_times_in_a_row_while_others_write(user, settings, sqlite):
    settings.GANGLIOSIDE_EXECUTOR = "threads"
    settings.GANGLIOSIDE_THREADS = 2
    settings.GANGLIOSIDE_PROCESSES = 2
    tables, design = study_files()
    outcomes = []
    try:
        with _Writers(user.pk) as writers:
            for _ in range(20):
                study = _run_study(user, tables, design)
                states = set(study.samples.values_list("status", flat=True))
                outcomes.append((study.status, study.error_message, states))
    finally:
        dispatch.shutdown(wait=True)
    assert writers.errors == []
    assert writers.writes > 20  # the writers did write while the studies ran
    assert outcomes == [(StudyStatus.SUCCEEDED, "", {SampleStatus.SUCCEEDED})] * 20


@pytest.mark.slow
def test_a_sample_whose_job_stops_on_a_database_error_fails_with_the_reason(
    user, settings, monkeypatch, sqlite
):
    settings.GANGLIOSIDE_EXECUTOR = "threads"
    settings.GANGLIOSIDE_PROCESSES = 0
    tables, design = study_files()
    store = study_running._store_sample

    def locked_for_c02(row, result, seconds):
        if row.sample == "C02":
            raise OperationalError("database is locked")
        store(row, result, seconds)

    monkeypatch.setattr(study_running, "_store_sample", locked_for_c02)
    # every try fails alike: short pauses between them (the back-off is tested elsewhere)
    monkeypatch.setattr(heartbeats, "retry_delay", lambda n: 0.01)
    try:
        study = _run_study(user, tables, design)
    finally:
        dispatch.shutdown(wait=True)
    # Nothing stays running: the sample failed with the reason, the study waits on it.
    failed = study.samples.get(sample="C02")
    assert failed.status == SampleStatus.FAILED
    assert "OperationalError: database is locked" in failed.error_message
    assert study.status == StudyStatus.WAITING
    others = set(study.samples.exclude(sample="C02").values_list("status", flat=True))
    assert others == {SampleStatus.SUCCEEDED}


def test_an_analysis_whose_job_stops_on_a_database_error_fails_with_the_reason(
    user, sample_bytes, settings, monkeypatch, sqlite
):
    settings.GANGLIOSIDE_EXECUTOR = "threads"
    tries = []

    def claimed_then_locked(*, analysis_id):
        tries.append(analysis_id)
        Analysis.objects.filter(pk=analysis_id).update(status=AnalysisStatus.RUNNING)
        raise OperationalError("database is locked")

    monkeypatch.setattr(execution, "analysis_run", claimed_then_locked)
    # a transient error is tried again with back-off (heartbeats.run_in_thread); short pauses
    # here, and when every try has failed the job fails with the reason
    monkeypatch.setattr(heartbeats, "retry_delay", lambda n: 0.01)
    try:
        with transaction.atomic():
            analysis = submission.analysis_create(owner=user, file=make_upload(sample_bytes))
        assert _wait_until(
            lambda: Analysis.objects.get(pk=analysis.pk).status == AnalysisStatus.FAILED, 60
        )
    finally:
        dispatch.shutdown(wait=True)
    analysis.refresh_from_db()
    assert len(tries) == heartbeats.RETRY_MAX + 1
    assert "OperationalError: database is locked" in analysis.error_message
    assert analysis.finished_at is not None


def test_a_write_that_meets_the_lock_of_another_writer_is_tried_again(user, sqlite, monkeypatch):
    from django.contrib.auth.models import User

    assert database._retrying in connection.execute_wrappers
    monkeypatch.setattr(database, "RETRY_PAUSES", (0.1, 0.2, 0.4, 0.8, 1.6))
    held = threading.Event()

    def hold_the_write_lock() -> None:
        other = sqlite3.connect(connection.settings_dict["NAME"], timeout=5)
        other.execute("BEGIN IMMEDIATE")
        held.set()
        time.sleep(0.5)
        other.rollback()
        other.close()

    holder = threading.Thread(target=hold_the_write_lock)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout = 0")  # no waiting inside SQLite: the retry waits
    try:
        holder.start()
        assert held.wait(10)
        User.objects.filter(pk=user.pk).update(first_name="after the lock")
    finally:
        holder.join()
        connection.close()  # its busy timeout back to the settings' on the next connection
    assert User.objects.get(pk=user.pk).first_name == "after the lock"


def test_a_lock_inside_a_transaction_is_not_retried_but_its_begin_is(monkeypatch, sqlite):
    monkeypatch.setattr(database, "RETRY_PAUSES", (0.0, 0.0))
    calls: list[str] = []

    def locked_twice(sql, params, many, context):
        calls.append(sql)
        if len(calls) <= 2:
            raise OperationalError("database table is locked: x")
        return "done"

    class Connection:
        in_atomic_block = True

    context = {"connection": Connection()}
    assert database._retrying(locked_twice, "BEGIN IMMEDIATE", None, False, context) == "done"
    assert calls == ["BEGIN IMMEDIATE"] * 3
    calls.clear()
    with pytest.raises(OperationalError, match="table is locked"):
        database._retrying(locked_twice, "UPDATE x SET y = 1", None, False, context)
    assert calls == ["UPDATE x SET y = 1"]
    # Outside a transaction a statement is tried again; a lock that stays is raised after the
    # last pause, and other errors at once.
    Connection.in_atomic_block = False
    calls.clear()
    assert database._retrying(locked_twice, "SELECT 1", None, False, context) == "done"
    assert len(calls) == 3

    def always(message):
        def execute(sql, params, many, context):
            calls.append(sql)
            raise OperationalError(message)

        return execute

    calls.clear()
    with pytest.raises(OperationalError, match="database is locked"):
        database._retrying(always("database is locked"), "SELECT 1", None, False, context)
    assert len(calls) == 3  # two pauses: three tries
    calls.clear()
    with pytest.raises(OperationalError, match="no such table"):
        database._retrying(always("no such table: x"), "SELECT 1", None, False, context)
    assert len(calls) == 1


@pytest.mark.slow
def test_the_embedded_database_tests_run_on_sqlite_too(tmp_path):
    """On another database, this module's tests in a process of their own on SQLite: each of
    them must pass there (none skipped but this one)."""
    if connection.vendor == "sqlite":
        pytest.skip("the tests above run on SQLite in this process")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "GANGLIOSIDE_DATA_DIR")
    }
    env["GANGLIOSIDE_DATA_DIR"] = str(tmp_path / "data")
    env["PYTEST_ADDOPTS"] = ""  # not the outer run's options (CI's coverage threshold)
    report = tmp_path / "report.xml"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            __file__,
            "-q",
            "-p",
            "no:cacheprovider",
            f"--junitxml={report}",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    cases = ElementTree.parse(report).getroot().iter("testcase")
    outcome = {
        case.get("name"): [child.tag for child in case if child.tag != "properties"]
        for case in cases
    }
    assert outcome.pop("test_the_embedded_database_tests_run_on_sqlite_too") == ["skipped"]
    assert len(outcome) >= 5
    assert {name: tags for name, tags in outcome.items() if tags} == {}  # all passed

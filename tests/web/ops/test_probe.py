"""Container health probes (python -m ganglioside.web.ops.probe ...)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

from ganglioside.web.ops.probe import main, probe_beat, probe_http, site_host


@pytest.mark.django_db(transaction=True)
def test_the_http_probe_passes_on_a_live_server_and_fails_otherwise(live_server):
    assert probe_http(f"{live_server.url}/health/live") is None
    assert probe_http(f"{live_server.url}/no-such-page") == (
        f"{live_server.url}/no-such-page answered 404"
    )
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    assert "Connection refused" in probe_http(f"http://127.0.0.1:{port}/health/live")
    assert probe_http("file:///etc/passwd") == "not an http(s) URL: 'file:///etc/passwd'"


@pytest.mark.django_db(transaction=True)
def test_the_http_probe_names_a_host_the_site_serves(live_server, settings):
    # The probe connects to 127.0.0.1; with ALLOWED_HOSTS naming only the public name, Django
    # answers 400 unless the probe sends that name.
    settings.ALLOWED_HOSTS = ["lipids.example.org"]
    url = f"{live_server.url}/health/live"
    assert probe_http(url) == f"{url} answered 400"
    host = site_host(".example.org, lipids.example.org")
    assert host == "example.org"
    assert probe_http(url, host="lipids.example.org") is None
    assert site_host("*") is None and site_host(None) is None


def test_the_beat_probe_wants_a_recently_written_schedule(tmp_path):
    schedule = tmp_path / "celerybeat-schedule"
    assert "no schedule file" in probe_beat(str(schedule))
    (tmp_path / "celerybeat-schedule.db").write_bytes(b"shelve")
    assert probe_beat(str(schedule)) is None
    old = time.time() - 3600
    os.utime(tmp_path / "celerybeat-schedule.db", (old, old))
    assert "last written 3600 s ago" in probe_beat(str(schedule), max_age=600)


def test_the_command_line_exits_0_1_or_2(tmp_path, capsys):
    (tmp_path / "schedule").write_bytes(b"")
    assert main(["beat", str(tmp_path / "schedule")]) == 0
    assert main(["beat", str(tmp_path / "missing")]) == 1
    assert "unhealthy: no schedule file" in capsys.readouterr().err
    assert main(["http"]) == 2
    assert main(["nonsense", "x"]) == 2
    assert "usage:" in capsys.readouterr().err


@pytest.mark.service
def test_the_worker_probe_reaches_this_hosts_celery_worker(redis_url, tmp_path):
    env = dict(os.environ, REDIS_URL=redis_url, GANGLIOSIDE_EXECUTOR="celery")
    env.setdefault("SECRET_KEY", "probe-test-key")
    env["GANGLIOSIDE_DATA_DIR"] = str(tmp_path)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "--app", "ganglioside.web.celery:app", "worker",
         "--pool", "solo", "--hostname", "celery@%h", "--loglevel", "WARNING"],
        env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        probe = [sys.executable, "-m", "ganglioside.web.ops.probe", "worker"]
        deadline = time.monotonic() + 60
        result = None
        while time.monotonic() < deadline:
            result = subprocess.run(probe, env=env, cwd=tmp_path, capture_output=True, text=True)
            if result.returncode == 0:
                break
            time.sleep(1)
        assert result is not None and result.returncode == 0, result.stderr
    finally:
        worker.terminate()
        worker.wait(timeout=30)

"""`ganglioside serve | worker | beat | manage` and the demo command."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest
from django.core.management import call_command

from ganglioside.web.analyses.models import Analysis
from ganglioside.web.cli import main

from .live import free_port


def test_an_unknown_web_command_prints_usage(capsys):
    assert main(["fly"]) == 2
    assert "usage: ganglioside {serve,worker,beat,manage}" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["worker", "beat"])
def test_worker_and_beat_need_redis_url(command, monkeypatch, capsys):
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert main([command]) == 2
    err = capsys.readouterr().err
    assert "REDIS_URL is not set" in err and f"ganglioside {command}" in err


def test_the_core_cli_hands_web_commands_over():
    out = subprocess.run(
        [sys.executable, "-m", "ganglioside.cli", "worker"],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "REDIS_URL"},
    )
    assert out.returncode == 2
    assert "REDIS_URL is not set" in out.stderr


@pytest.mark.django_db
def test_demo_creates_a_user_prints_credentials_and_loads_the_sample(capsys):
    call_command("demo", "--password", "demo-pass-1")
    out = capsys.readouterr().out
    assert "username demo   password demo-pass-1" in out
    analysis = Analysis.objects.get(owner__username="demo")
    assert analysis.status == "succeeded" and analysis.n_compounds == 323
    call_command("demo")  # again: the password is reset, the sample is not loaded twice
    out = capsys.readouterr().out
    assert "already loaded" in out
    assert Analysis.objects.filter(owner__username="demo").count() == 1


def test_serve_migrates_a_fresh_sqlite_database_and_serves_pages_and_api(tmp_path):
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE")
    }
    env["GANGLIOSIDE_DATA_DIR"] = str(tmp_path / "data")
    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115
    server = subprocess.Popen(
        [sys.executable, "-m", "ganglioside.cli", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        ready = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        assert ready is not None and ready.status_code == 200, (tmp_path / "serve.log").read_text()
        assert (tmp_path / "data" / "db.sqlite3").exists()
        # a persistent local secret key, readable by the user only
        key = tmp_path / "data" / "secret_key"
        assert key.exists() and oct(key.stat().st_mode & 0o777) == "0o600"
        login = httpx.get(f"http://127.0.0.1:{port}/accounts/login/")
        assert login.status_code == 200 and "Sign in" in login.text
        assert httpx.get(f"http://127.0.0.1:{port}/api/v1/analyses/").status_code == 401
        static = httpx.get(f"http://127.0.0.1:{port}/static/admin/css/base.css")
        assert static.status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()

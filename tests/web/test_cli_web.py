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

pytestmark = pytest.mark.slow


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


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


def _sign_in_lines(out: str) -> list[str]:
    return out.rstrip().splitlines()[-3:]


@pytest.mark.slow
@pytest.mark.django_db
def test_demo_creates_a_user_prints_how_to_sign_in_last_and_loads_the_sample(capsys, data_dir):
    from django.contrib.auth import authenticate
    from django.core import mail

    call_command("demo")
    out = capsys.readouterr().out
    first, user_line, password_line = _sign_in_lines(out)
    assert first == "Open http://127.0.0.1:8000/ and sign in with"
    assert user_line == "  user      demo"
    password = password_line.split()[-1]
    assert authenticate(username="demo", password=password) is not None
    assert "Content-Type" not in out and not mail.outbox  # no e-mail about the demo's own run
    analysis = Analysis.objects.get(owner__username="demo")
    assert analysis.status == "succeeded" and analysis.n_compounds == 323
    # Kept in the data folder, readable by the user only.
    kept = data_dir / "demo_password"
    assert kept.read_text().strip() == password
    assert oct(kept.stat().st_mode & 0o777) == "0o600"

    call_command("demo")  # again: the same password, the sample not loaded twice
    out = capsys.readouterr().out
    assert "already loaded" in out and _sign_in_lines(out)[-1].split()[-1] == password
    assert Analysis.objects.filter(owner__username="demo").count() == 1

    call_command("demo", "--reset-password")
    renewed = _sign_in_lines(capsys.readouterr().out)[-1].split()[-1]
    assert renewed != password and kept.read_text().strip() == renewed
    assert authenticate(username="demo", password=password) is None


@pytest.mark.slow
@pytest.mark.django_db
def test_demo_can_set_the_password_and_make_the_user_an_admin(capsys, data_dir):
    from django.contrib.auth import get_user_model

    call_command("demo", "--password", "demo-pass-1", "--admin", "--url", "http://x:9/")
    out = capsys.readouterr().out.rstrip().splitlines()
    assert out[-4:] == [
        "Open http://x:9/ and sign in with",
        "  user      demo",
        "  password  demo-pass-1",
        "  (the same account opens the admin at http://x:9/admin/)",
    ]
    user = get_user_model().objects.get(username="demo")
    assert user.is_staff and user.is_superuser


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


def test_serve_demo_prints_how_to_sign_in_last_once_it_listens(tmp_path):
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE")
    }
    env["GANGLIOSIDE_DATA_DIR"] = str(tmp_path / "data")
    path = tmp_path / "serve.log"
    with open(path, "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "ganglioside.cli", "serve", "--demo", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 120
        while "(Ctrl-C stops the server)" not in path.read_text():
            assert server.poll() is None and time.monotonic() < deadline, path.read_text()
            time.sleep(0.2)
        lines = path.read_text().rstrip().splitlines()
        assert lines[-5:-1] == [
            f"Open http://127.0.0.1:{port}/ and sign in with",
            "  user      demo",
            f"  password  {(tmp_path / 'data' / 'demo_password').read_text().strip()}",
            f"  (the same account opens the admin at http://127.0.0.1:{port}/admin/)",
        ]
        password = lines[-3].split()[-1]
        # The server listens when it says so, and the printed password signs in.
        token = httpx.post(
            f"http://127.0.0.1:{port}/api/v1/auth/token/",
            json={"username": "demo", "password": password},
        )
        assert token.status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.mark.django_db
def test_serve_warms_up_its_thread_pool_unless_turned_off(monkeypatch, settings):
    from ganglioside.web import cli
    from ganglioside.web.analyses import warmup

    calls = []
    monkeypatch.setattr(warmup, "warm_up", lambda kinds=None: calls.append(kinds) or 0.0)
    settings.GANGLIOSIDE_WORKER_WARM_UP = True
    cli._prepare_thread_pool(settings)
    assert calls == [cli.WARM_UP_EXPORTS] == [("csv", "json")]
    settings.GANGLIOSIDE_WORKER_WARM_UP = False
    cli._prepare_thread_pool(settings)
    assert len(calls) == 1

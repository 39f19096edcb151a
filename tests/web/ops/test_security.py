"""Production settings: `check --deploy` is clean, HTTPS is enforced with the probes exempt,
security headers and the Content-Security-Policy are sent, bad values are refused."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from ganglioside.web.env import Env
from ganglioside.web.ops.conf import DEFAULT_CSP, apply_operations_settings

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[3]
GANGLIOSIDE = Path(sys.executable).with_name("ganglioside")


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "lipids.example.org",
        "CSRF_TRUSTED_ORIGINS": "https://lipids.example.org",
        "GANGLIOSIDE_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    # Coverage of child processes (pyproject: [tool.coverage.run] patch) travels in COVERAGE_*.
    env.update({k: v for k, v in os.environ.items() if k.startswith("COVERAGE_")})
    env.update(overrides)
    return env


def manage(tmp_path: Path, *args: str, **overrides: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(GANGLIOSIDE), "manage", *args],
        env=production_env(tmp_path, **overrides),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_nothing_with_production_settings(tmp_path):
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_still_flags_an_insecure_setting(tmp_path):
    # The check above must be able to fail: plain HTTP without the redirect is reported.
    result = manage(tmp_path, "check", "--deploy", GANGLIOSIDE_HTTPS="0")
    assert "security.W008" in result.stdout + result.stderr  # SECURE_SSL_REDIRECT
    assert "security.W012" in result.stdout + result.stderr  # SESSION_COOKIE_SECURE


def test_a_malformed_switch_is_refused_with_its_name(tmp_path):
    result = manage(tmp_path, "check", GANGLIOSIDE_HTTPS="maybe")
    assert result.returncode == 2
    assert "environment variable GANGLIOSIDE_HTTPS is 'maybe'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture
def https(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True


@pytest.mark.django_db
def test_plain_http_is_redirected_but_probes_are_not(client, https, settings):
    settings.GANGLIOSIDE_METRICS_TOKEN = ""
    response = client.get("/api/v1/analyses/?page=2")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/api/v1/analyses/?page=2"
    assert client.get("/health/live").status_code == 200
    assert client.get("/health/ready").status_code in (200, 503)
    assert client.get("/metrics").status_code == 404  # reaches the view: not redirected


@pytest.mark.django_db
def test_https_responses_carry_the_security_headers(client, https):
    response = client.get("/accounts/login/", secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Content-Security-Policy"] == DEFAULT_CSP
    csrf = response.cookies["csrftoken"]
    assert csrf["secure"] and csrf["samesite"] == "Lax"


def test_the_policy_allows_no_inline_script_and_no_framing():
    directives = dict(d.split(" ", 1) for d in DEFAULT_CSP.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "'unsafe-eval'" not in DEFAULT_CSP


def namespace(**values):
    base = {
        "DEBUG": False,
        "INSTALLED_APPS": ["django.contrib.auth"],
        "MIDDLEWARE": [
            "django.middleware.security.SecurityMiddleware",
            "django.middleware.common.CommonMiddleware",
        ],
        "DATABASES": {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "g"}},
        "CELERY_BEAT_SCHEDULE": {"sweep": {"task": "t", "schedule": 300.0}},
        "LOG_LEVEL": "INFO",
    }
    base.update(values)
    return base


def test_postgres_connections_are_checked_and_kept_in_workers():
    ns = namespace()
    ns["DATABASES"]["default"]["CONN_MAX_AGE"] = 60
    apply_operations_settings(ns, Env({}))
    database = ns["DATABASES"]["default"]
    assert database["CONN_HEALTH_CHECKS"] is True
    assert database["CONN_MAX_AGE"] == 60
    assert "pool" not in database.get("OPTIONS", {})


def test_the_asgi_server_uses_a_pool_instead_of_persistent_connections():
    ns = namespace()
    ns["DATABASES"]["default"]["CONN_MAX_AGE"] = 60
    apply_operations_settings(ns, Env({"DATABASE_POOL": "1", "DATABASE_POOL_MAX_SIZE": "4"}))
    database = ns["DATABASES"]["default"]
    assert database["CONN_MAX_AGE"] == 0
    assert database["OPTIONS"]["pool"]["max_size"] == 4


def test_middleware_order_and_debug_defaults():
    ns = namespace(DEBUG=True)
    apply_operations_settings(ns, Env({}))
    assert ns["MIDDLEWARE"][0] == "ganglioside.web.ops.middleware.RequestLogMiddleware"
    assert ns["MIDDLEWARE"][2] == "ganglioside.web.ops.middleware.ContentSecurityPolicyMiddleware"
    assert ns["MIDDLEWARE"][1] == "django.middleware.security.SecurityMiddleware"
    # With DEBUG on (a laptop over plain HTTP): no redirect, no HSTS, readable log lines.
    assert ns["SECURE_SSL_REDIRECT"] is False and ns["SECURE_HSTS_SECONDS"] == 0
    assert "format" in ns["LOGGING"]["formatters"]["main"]
    assert set(ns["CELERY_BEAT_SCHEDULE"]) == {"sweep", "purge-expired-analyses"}


def test_sentry_receives_errors_tagged_with_the_request_id(tmp_path):
    # A stand-in Sentry server on the loopback interface records what the SDK sends; the SDK
    # runs in a subprocess so its global state stays out of this test session.
    script = tmp_path / "sentry_roundtrip.py"
    script.write_text(SENTRY_SCRIPT)
    result = subprocess.run(
        [sys.executable, str(script)],
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "ok"


SENTRY_SCRIPT = r"""
import gzip, json, os, threading, zlib
from http.server import BaseHTTPRequestHandler, HTTPServer

received = []

class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        received.append(body.decode("utf-8", "replace"))
        self.send_response(200)
        self.end_headers()
    def log_message(self, *args):
        pass

server = HTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
os.environ["SENTRY_DSN"] = f"http://publickey@127.0.0.1:{server.server_port}/1"
os.environ["DJANGO_SETTINGS_MODULE"] = "ganglioside.web.settings"

import django
django.setup()
import sentry_sdk
from ganglioside.web.ops import request_id

token = request_id.activate("req-sentry-1")
try:
    raise RuntimeError("boom in a view")
except RuntimeError:
    sentry_sdk.capture_exception()
request_id.deactivate(token)
sentry_sdk.flush(timeout=10)

events = [json.loads(line) for body in received for line in body.splitlines()
          if line.startswith("{") and '"exception"' in line]
assert events, received
event = events[0]
assert event["tags"]["request_id"] == "req-sentry-1", event.get("tags")
assert event["exception"]["values"][0]["value"] == "boom in a view"
assert event["release"].startswith("ganglioside@")
assert event["environment"] == "production"
print("ok")
"""

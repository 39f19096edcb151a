"""The production chain on this machine: the real nginx site (TLS) in front of the real ASGI
application (uvicorn, production settings: HTTPS enforced, CSP, JSON logs), driven like a user.

Through nginx it signs in over the API, uploads the bundled sample, follows the analysis over
the WebSocket to its end and downloads a result; then headless Chromium signs in through the
login page and opens the pages and the API documentation, and the test asserts that the
Content-Security-Policy blocked nothing and no script failed.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from .conftest import REPO, find_tool
from .test_nginx import free_port, insecure_context, render, stop, wait_for_port

HOST = "ganglioside.test"
SAMPLE = REPO / "src" / "ganglioside" / "data" / "measured_sample.csv"
PASSWORD = "stack-test-pw-4821"

pytestmark = [pytest.mark.service, pytest.mark.browser, pytest.mark.slow]


@dataclass
class Stack:
    origin: str  # https://ganglioside.test:<port>
    port: int
    logs: Path

    def client(self) -> httpx.Client:
        # Requests go to 127.0.0.1 with the site's Host header (no DNS entry for the test name).
        return httpx.Client(
            base_url=f"https://127.0.0.1:{self.port}",
            headers={"Host": f"{HOST}:{self.port}"},
            verify=False,
            timeout=30,
        )


def ganglioside(env: dict[str, str], *args: str) -> None:
    command = [str(Path(sys.executable).with_name("ganglioside")), "manage", *args]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    nginx = find_tool("nginx", Path("/usr/sbin"))
    work = tmp_path_factory.mktemp("stack")
    app_port, https_port = free_port(), free_port()
    origin = f"https://{HOST}:{https_port}"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(work),
        "DEBUG": "0",
        "SECRET_KEY": "stack-test-" + "k" * 50,
        "ALLOWED_HOSTS": HOST,
        "CSRF_TRUSTED_ORIGINS": origin,
        "GANGLIOSIDE_SITE_URL": origin,
        "GANGLIOSIDE_DATA_DIR": str(work / "data"),
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "MEDIA_ROOT": str(work / "media"),
        "STATIC_ROOT": str(work / "static"),
        "GANGLIOSIDE_EXECUTOR": "threads",
        "GANGLIOSIDE_NOTIFY_BY_EMAIL": "0",
        # Downloads sent by nginx from the exports folder, as the compose file sets it.
        "GANGLIOSIDE_ACCEL_REDIRECT": "/_exports/",
        "UVICORN_PORT": str(app_port),
        "UVICORN_HOST": "127.0.0.1",
        "UVICORN_WORKERS": "1",
        "UVICORN_PROXY_HEADERS": "true",
        "UVICORN_FORWARDED_ALLOW_IPS": "127.0.0.1",
        # Coverage of this child process (pyproject: [tool.coverage.run] patch).
        **{k: v for k, v in os.environ.items() if k.startswith("COVERAGE_")},
    }
    ganglioside(env, "migrate", "--noinput")
    ganglioside(env, "collectstatic", "--noinput")
    create_user = (
        "from django.contrib.auth import get_user_model; "
        f"get_user_model().objects.create_user('stack', 'stack@example.org', '{PASSWORD}')"
    )
    ganglioside(env, "shell", "-c", create_user)

    result = render(work / "nginx", f"127.0.0.1:{app_port}")
    assert result.returncode == 0, result.stderr
    site = work / "nginx" / "ganglioside.conf"
    text = site.read_text()
    text = re.sub(r"^\s*listen (\[::\]:)?80;$|^\s*listen \[::\]:443.*$", "", text, flags=re.M)
    text = text.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    text = text.replace("server_name ganglioside.test;", f"server_name {HOST};")
    # nginx serves what collectstatic wrote for this application.
    text = text.replace(str(work / "nginx" / "static"), str(work / "static"))
    text = text.replace(str(work / "nginx" / "media"), str(work / "media"))
    site.write_text(text)
    main = work / "nginx" / "nginx.conf"
    if os.geteuid() == 0:
        main.write_text("user root;\n" + main.read_text())

    logs = work / "server.log"
    with logs.open("wb") as log:
        server = subprocess.Popen(
            [str(Path(sys.executable).with_name("uvicorn")), "ganglioside.web.asgi:application"],
            env=env, cwd=work, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    proxy = subprocess.Popen(
        [nginx, "-p", str(work / "nginx"), "-c", str(main), "-e", "stderr", "-g", "daemon off;"]
    )
    try:
        wait_for_port(app_port, server, timeout=60)
        wait_for_port(https_port, proxy)
        yield Stack(origin, https_port, logs)
    finally:
        stop(proxy)
        stop(server)


def test_an_api_client_uploads_follows_progress_and_downloads_through_nginx(stack):
    from websockets.sync.client import connect

    with stack.client() as client:
        token = client.post(
            "/api/v1/auth/token/", json={"username": "stack", "password": PASSWORD}
        ).json()["token"]
        auth = {"Authorization": f"Token {token}"}
        with SAMPLE.open("rb") as table:
            created = client.post(
                "/api/v1/analyses/", headers=auth, files={"file": ("sample.csv", table)}
            )
        assert created.status_code == 202, created.text
        # Django saw HTTPS (X-Forwarded-Proto from nginx): no redirect, absolute URLs in https.
        analysis = created.json()
        pk = analysis["id"]

        events = []
        # The site's name in the URL (Host header, TLS name), the connection to 127.0.0.1.
        raw = socket.create_connection(("127.0.0.1", stack.port))
        url = f"wss://{HOST}:{stack.port}/ws/analyses/{pk}/"
        with connect(
            url, sock=raw, ssl=insecure_context(), additional_headers=auth, open_timeout=10
        ) as ws:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                event = json.loads(ws.recv(timeout=60))
                events.append(event)
                if event.get("status") in ("succeeded", "failed"):
                    break
        assert events and events[-1]["status"] == "succeeded", events[-3:]

        # The worker writes the files right after the run; a download may be asked to wait.
        deadline = time.monotonic() + 60
        export = client.get(f"/api/v1/analyses/{pk}/export/csv", headers=auth)
        while export.status_code == 409 and time.monotonic() < deadline:
            time.sleep(0.2)
            export = client.get(f"/api/v1/analyses/{pk}/export/csv", headers=auth)
        assert export.status_code == 200, export.text
        assert export.headers["content-disposition"].endswith('_compounds.csv"')
        assert export.headers["strict-transport-security"].startswith("max-age=31536000")
        assert len(export.text.splitlines()) > 300

    access = [
        json.loads(line)
        for line in stack.logs.read_text().splitlines()
        if line.startswith("{") and '"ganglioside.access"' in line
    ]
    upload = next(a for a in access if a["path"] == "/api/v1/analyses/" and a["method"] == "POST")
    # The request id nginx made reached the application's log line.
    assert re.fullmatch(r"[0-9a-f]{32}", upload["request_id"])
    assert upload["status"] == 202


def test_pages_work_in_a_browser_under_the_content_security_policy(stack):
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = find_tool("chromium")
    blocked: list[str] = []
    errors: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", f"--host-resolver-rules=MAP {HOST} 127.0.0.1"],
        )
        context = browser.new_context(ignore_https_errors=True)
        page = context.new_page()
        page.on(
            "console",
            lambda m: (
                blocked.append(f"{page.url}: {m.text}")
                if "Content Security Policy" in m.text
                else None
            ),
        )
        page.on("pageerror", lambda e: errors.append(str(e)))

        page.goto(f"{stack.origin}/accounts/login/")
        page.fill("input[name=username]", "stack")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit], input[type=submit]")
        page.wait_for_load_state("networkidle")
        assert "/accounts/login/" not in page.url, "sign-in through the proxy failed"
        cookies = {c["name"]: c for c in context.cookies()}
        assert cookies["sessionid"]["secure"] and cookies["sessionid"]["httpOnly"]

        for path in ("/", "/api/docs/", "/api/redoc/"):
            response = page.goto(f"{stack.origin}{path}")
            assert response is not None and response.status == 200, path
            page.wait_for_load_state("networkidle")
        # The policy must block nothing of this site.  Requests to other origins are what it is
        # there to stop (ReDoc asks for fonts from a font CDN): those blocks are expected.
        ours = [b for b in blocked if not re.search(r"'https://(?!ganglioside\.test)", b)]
        assert ours == []
        assert errors == []
        # Swagger UI really rendered (its script ran under the policy).
        page.goto(f"{stack.origin}/api/docs/")
        page.wait_for_selector(".swagger-ui .info", timeout=15000)
        browser.close()

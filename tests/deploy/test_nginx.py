"""deploy/nginx/: `nginx -t` on the rendered site, then the real nginx serving it on loopback
ports in front of a stand-in application (tests/deploy/upstream_app.py): redirects, TLS, headers,
WebSocket, upload size, rate limits, static files, private paths."""

from __future__ import annotations

import json
import os
import re
import socket
import ssl
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from .conftest import DEPLOY, find_tool

pytestmark = pytest.mark.slow

HOST = "ganglioside.test"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def insecure_context(protocol: int = ssl.PROTOCOL_TLS_CLIENT) -> ssl.SSLContext:
    # The test certificate is self-signed; what is checked here is the protocol, not the chain.
    context = ssl.SSLContext(protocol)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


@contextmanager
def tls_socket(port: int, context: ssl.SSLContext) -> Iterator[ssl.SSLSocket]:
    with (
        socket.create_connection(("127.0.0.1", port)) as raw,
        context.wrap_socket(raw, server_hostname=HOST) as tls,
    ):
        yield tls


@dataclass
class Site:
    http: str
    https: str
    workdir: Path

    def client(self) -> httpx.Client:
        return httpx.Client(verify=False, headers={"Host": HOST}, timeout=10)


def render(workdir: Path, upstream: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, GANGLIOSIDE_NGINX_WORKDIR=str(workdir), GANGLIOSIDE_UPSTREAM=upstream)
    return subprocess.run(
        [str(DEPLOY / "check_nginx.sh")], env=env, capture_output=True, text=True, check=False
    )


def test_nginx_accepts_the_configuration(tmp_path):
    find_tool("nginx", Path("/usr/sbin"))
    result = render(tmp_path, "127.0.0.1:8000")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "test is successful" in result.stderr


def test_nginx_check_fails_on_a_broken_configuration(tmp_path):
    # The check must be able to fail: a copy of deploy/ with a typo in a snippet.
    find_tool("nginx", Path("/usr/sbin"))
    copy = tmp_path / "deploy"
    subprocess.run(["cp", "-r", str(DEPLOY), str(copy)], check=True)
    tls = copy / "nginx" / "snippets" / "ganglioside-tls.conf"
    tls.write_text(tls.read_text() + "\nssl_protocols_typo TLSv1.3;\n")
    result = subprocess.run([str(copy / "check_nginx.sh")], capture_output=True, text=True)
    assert result.returncode != 0
    assert "ssl_protocols_typo" in result.stderr


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    nginx = find_tool("nginx", Path("/usr/sbin"))
    workdir = tmp_path_factory.mktemp("nginx")
    app_port, http_port, https_port = free_port(), free_port(), free_port()
    result = render(workdir, f"127.0.0.1:{app_port}")
    assert result.returncode == 0, result.stderr

    conf = workdir / "ganglioside.conf"
    text = conf.read_text()
    text = re.sub(r"^\s*listen \[::\].*$", "", text, flags=re.M)
    text = text.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    text = text.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    # The public redirect names the standard port; here the HTTPS port is a random one.
    text = text.replace("https://$host$request_uri", f"https://$host:{https_port}$request_uri")
    conf.write_text(text)
    main = workdir / "nginx.conf"
    if os.geteuid() == 0:
        # Workers would otherwise switch to "nobody", who cannot enter pytest's private tmp dir.
        main.write_text("user root;\n" + main.read_text())

    static = workdir / "static"
    (static / "app.0123456789ab.js").write_text("console.log('hashed');\n")
    (static / "plain.css").write_text("body {}\n")

    upstream = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "upstream_app:app", "--app-dir",
         str(Path(__file__).parent), "--port", str(app_port), "--log-level", "warning"],
    )  # fmt: skip
    server = subprocess.Popen(
        [nginx, "-p", str(workdir), "-c", str(main), "-e", "stderr", "-g", "daemon off;"]
    )
    try:
        wait_for_port(app_port, upstream)
        wait_for_port(https_port, server)
        yield Site(f"http://127.0.0.1:{http_port}", f"https://127.0.0.1:{https_port}", workdir)
    finally:
        stop(server)
        stop(upstream)


def test_plain_http_is_redirected_to_https(site):
    with site.client() as client:
        response = client.get(f"{site.http}/analyses/?page=2")
    assert response.status_code == 301
    assert response.headers["location"].startswith(f"https://{HOST}:")
    assert response.headers["location"].endswith("/analyses/?page=2")


def test_the_local_probe_answers_on_plain_http(site):
    with site.client() as client:
        response = client.get(f"{site.http}/nginx-health")
    assert response.status_code == 200 and response.text == "ok\n"


def test_only_modern_tls_is_negotiated(site):
    port = int(site.https.rsplit(":", 1)[1])
    for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
        context = insecure_context()
        context.minimum_version = context.maximum_version = version
        with tls_socket(port, context) as tls:
            name, protocol, _ = tls.cipher()
        assert protocol == ("TLSv1.2" if version is ssl.TLSVersion.TLSv1_2 else "TLSv1.3")
        if protocol == "TLSv1.2":
            assert name.startswith("ECDHE-") and ("GCM" in name or "CHACHA20" in name)


def test_a_tls_1_1_client_is_refused(site):
    port = int(site.https.rsplit(":", 1)[1])
    context = insecure_context()
    # The client really offers TLS 1.1 (Debian's OpenSSL does at security level 0), so the
    # handshake failure below is the server's refusal, reported as a protocol-version alert.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = context.maximum_version = ssl.TLSVersion.TLSv1_1
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    with pytest.raises(ssl.SSLError, match=r"(?i)protocol.version"), tls_socket(port, context):
        pass


def test_proxied_responses_carry_each_security_header_once(site):
    with site.client() as client:
        response = client.get(f"{site.https}/analyses/")
    assert response.status_code == 200
    assert response.headers.get_list("strict-transport-security") == [
        "max-age=31536000; includeSubDomains; preload"
    ]
    assert response.headers.get_list("x-frame-options") == ["DENY"]
    assert response.headers.get_list("x-content-type-options") == ["nosniff"]
    assert response.headers["referrer-policy"] == "same-origin"
    # The same Permissions-Policy as the application's own (ops/conf.py), once.
    from ganglioside.web.ops.conf import DEFAULT_PERMISSIONS_POLICY

    assert response.headers.get_list("permissions-policy") == [DEFAULT_PERMISSIONS_POLICY]
    # The application's Content-Security-Policy passes through untouched.
    assert response.headers["content-security-policy"] == "default-src 'self'"
    assert "server" not in response.headers or "nginx/" not in response.headers["server"]


def test_the_application_learns_the_client_scheme_and_request_id(site):
    with site.client() as client:
        response = client.get(f"{site.https}/api/v1/analyses/")
    seen = response.json()["headers"]
    assert seen["x-forwarded-proto"] == "https"
    assert seen["x-forwarded-for"] == "127.0.0.1"
    assert seen["host"] == HOST
    assert re.fullmatch(r"[0-9a-f]{32}", seen["x-request-id"])
    # Plain requests reuse upstream connections: no Connection: upgrade is forwarded.
    assert "upgrade" not in seen.get("connection", "")


def test_websockets_are_upgraded_on_the_progress_path(site):
    from websockets.sync.client import connect

    context = insecure_context()
    url = site.https.replace("https://", "wss://") + "/ws/analyses/42/"
    with connect(url, ssl=context, open_timeout=5) as ws:
        ws.send("progress?")
        assert ws.recv(timeout=5) == "echo:progress?"


def test_an_upload_of_the_maximum_size_reaches_the_application(site):
    body = b"x" * (20 * 1024 * 1024)
    with site.client() as client:
        response = client.post(f"{site.https}/api/v1/analyses/1/compounds/", content=body)
    assert response.status_code == 200
    assert response.json()["body_size"] == len(body)


def test_a_body_over_the_limit_gets_a_json_413(site):
    # Announce 22 MiB and send nothing: nginx must refuse from the headers alone.
    port = int(site.https.rsplit(":", 1)[1])
    request = (
        f"POST /analyses/1/ HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: text/csv\r\n"
        f"Content-Length: {22 * 1024 * 1024}\r\nConnection: close\r\n\r\n"
    ).encode()
    answer = b""
    with tls_socket(port, insecure_context()) as tls:
        tls.sendall(request)
        while chunk := tls.recv(65536):
            answer += chunk
    head, _, body = answer.decode().partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 413")
    assert "application/json" in head
    assert json.loads(body)["error"]["code"] == "file_too_large"


def test_uploads_from_one_address_are_rate_limited(site):
    with site.client() as client:
        codes = [
            client.post(f"{site.https}/api/v1/analyses/", content=b"a,b\n").status_code
            for _ in range(10)
        ]
        # One request plus a burst of six pass, the rest wait for the rate (6 a minute).
        assert codes == [200] * 7 + [429] * 3
        # The re-run endpoint shares the upload budget; reading the list does not consume it.
        assert client.post(f"{site.https}/api/v1/analyses/7/rerun/").status_code == 429
        assert client.get(f"{site.https}/api/v1/analyses/").status_code == 200
        assert client.post(f"{site.https}/api/v1/analyses/7/compounds/").status_code == 200


def test_sign_in_attempts_are_rate_limited(site):
    with site.client() as client:
        codes = [
            client.post(f"{site.https}/api/v1/auth/token/", data={"username": "x"}).status_code
            for _ in range(8)
        ]
        assert codes == [200] * 6 + [429] * 2
        # The sign-in page itself still loads.
        assert client.get(f"{site.https}/accounts/login/").status_code == 200


def test_private_paths_are_not_served(site):
    (site.workdir / "media").mkdir(exist_ok=True)
    with site.client() as client:
        assert client.get(f"{site.https}/metrics").status_code == 404
        assert client.get(f"{site.https}/media/inputs/1/table.csv").status_code == 404


def test_exports_are_sent_by_nginx_after_the_application_names_them(site):
    folder = site.workdir / "media" / "exports" / "1" / "f00d"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "compounds.csv").write_text("row,name\n1,GD1(36:1;O2)\n")
    with site.client() as client:
        sent = client.get(f"{site.https}/download/1/f00d/compounds.csv")
        direct = client.get(f"{site.https}/_exports/1/f00d/compounds.csv")
    assert sent.status_code == 200 and sent.text == "row,name\n1,GD1(36:1;O2)\n"
    assert sent.headers["content-type"] == "text/csv; charset=utf-8"
    assert sent.headers["content-disposition"] == 'attachment; filename="analysis_1_compounds.csv"'
    assert sent.headers["x-content-type-options"] == "nosniff"
    assert direct.status_code == 404  # internal: only the application's answer reaches it


def test_static_files_are_served_by_nginx_with_cache_lifetimes(site):
    with site.client() as client:
        hashed = client.get(f"{site.https}/static/app.0123456789ab.js")
        plain = client.get(f"{site.https}/static/plain.css")
        missing = client.get(f"{site.https}/static/missing.js")
    assert hashed.status_code == 200 and hashed.text == "console.log('hashed');\n"
    assert "immutable" in hashed.headers["cache-control"]
    assert "max-age=31536000" in hashed.headers.get_list("cache-control")[0]
    assert plain.status_code == 200 and plain.headers["cache-control"] == "max-age=3600"
    assert "body_size" not in missing.text and missing.status_code == 404
    for response in (hashed, plain):
        assert response.headers.get_list("x-content-type-options") == ["nosniff"]
        assert "strict-transport-security" in response.headers


def _location_patterns() -> list[str]:
    template = (DEPLOY / "nginx" / "templates" / "ganglioside.conf.template").read_text()
    return re.findall(r"location ~ (\S+) \{", template)


def test_the_rate_limited_locations_match_the_applications_urls():
    # Ties the nginx site to the URL configuration: renaming an upload or sign-in URL in the
    # application without updating nginx would silently drop its per-address limit.
    from django.urls import reverse

    uploads, signin = (re.compile(p.strip('"')) for p in _location_patterns()[1:3])
    for path in (
        reverse("api:analysis-list"),
        reverse("api:analysis-rerun", args=[7]),
        reverse("pages:upload"),
    ):
        assert uploads.fullmatch(path), path
    for path in (reverse("pages:login"), reverse("api:auth-token")):
        assert signin.fullmatch(path), path
    for path in (reverse("api:analysis-detail", args=[7]), reverse("pages:history")):
        assert not uploads.fullmatch(path) and not signin.fullmatch(path), path


def test_the_body_limit_is_the_upload_limit_plus_room_for_the_form():
    from django.conf import settings

    template = (DEPLOY / "nginx" / "templates" / "ganglioside.conf.template").read_text()
    (limit,) = re.findall(r"client_max_body_size (\d+)m;", template)
    assert int(limit) == settings.GANGLIOSIDE_MAX_UPLOAD_MB + 1

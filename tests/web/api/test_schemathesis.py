"""The API against its own schema, on the live server (issue 13): Schemathesis generates
requests from ``/api/schema/`` (bounded examples per operation) and checks every answer: no
server error, a documented status code, content type and headers, and a body that matches the
schema.  Runs in CI (marked ``service``: PostgreSQL, whose limits the fuzzing finds)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from rest_framework.authtoken.models import Token

from tests.web.analyses.test_end_to_end import Services
from tests.web.conftest import SAMPLE_CSV

pytestmark = [pytest.mark.service, pytest.mark.django_db(transaction=True)]

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)
#: Test cases per operation and phase: bounded so the run stays within about three minutes.
MAX_EXAMPLES = 5


def test_the_live_api_matches_its_schema(postgres, redis_url, tmp_path, user):
    binary = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    if binary is None:
        pytest.skip("needs schemathesis (the dev extra)")
    services = Services(tmp_path, redis_url)
    services.env.update(
        GANGLIOSIDE_EXECUTOR="threads",
        GANGLIOSIDE_API_RATE="100000/s",
        GANGLIOSIDE_UPLOAD_RATE="100000/min",
        GANGLIOSIDE_AUTH_RATE="100000/min",
        GANGLIOSIDE_SIGNIN_ADDRESS_FAILURES="100000",
        GANGLIOSIDE_SIGNIN_ACCOUNT_FAILURES="100000",
    )
    token = Token.objects.create(user=user).key
    auth = {"Authorization": f"Token {token}"}
    try:
        services.start(
            "server", "serve", "--host", "127.0.0.1", "--port", str(services.port), "--no-migrate"
        )
        services.wait_ready()
        # One finished analysis, so that the result and export operations have data to show.
        with SAMPLE_CSV.open("rb") as handle:
            created = httpx.post(
                f"{services.base}/api/v1/analyses/", headers=auth, files={"file": handle}
            )
        assert created.status_code == 202, created.text
        result = subprocess.run(
            [
                binary, "run", f"{services.base}/api/schema/",
                "--header", f"Authorization: Token {token}",
                "--checks", CHECKS,
                "--max-examples", str(MAX_EXAMPLES),
                "--phases", "examples,coverage,fuzzing",
                "--workers", "1",
                "--seed", "13",
                "--request-timeout", "30",
                "--generation-database", "none",
                "--no-color",
            ],
            capture_output=True, text=True, timeout=600, env=services.env, cwd=tmp_path,
        )  # fmt: skip
    finally:
        services.stop()
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:] + services.logs()
    assert " passed" in output and "failed" not in output.split("SUMMARY")[-1], output[-3000:]

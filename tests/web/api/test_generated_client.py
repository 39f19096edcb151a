"""A Python client generated from the served schema, used as it is (issue 23).

``openapi-python-client`` (the generator most Python users reach for) makes a client from
``/api/schema/`` of the running platform; every generated module must import and name nothing
undefined (ruff's F821); then the main journey runs through that client alone — a token, an
upload followed until it finishes, compounds with a filter, every export format as bytes, a
curation decision and its audit trail, a re-run and the comparison of the two analyses, a small
study with its matrix, statistics, files and a comparison, deletes — and every answer is
checked strictly against the schema (openapi-core, OpenAPI 3.0 as written).  Marked
``service``: PostgreSQL and Redis, as in CI.
"""

from __future__ import annotations

import importlib
import io
import json
import pkgutil
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.paths import REPO
from tests.web.analyses.test_end_to_end import Services
from tests.web.conftest import SAMPLE_CSV
from tests.web.openapi_check import StrictChecker
from tests.web.studies_data import study_files

pytestmark = [pytest.mark.service, pytest.mark.django_db(transaction=True)]

PACKAGE = "ganglioside_client"  # as docs/scripting.md names it
#: Seconds a journey step may wait for the platform (analysis, exports, study).
PATIENCE = 240


def _bin(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip(f"needs {name} (the dev extra)")
    return found


def _generate(schema: Path, out: Path) -> Path:
    """The client generated from ``schema`` into ``out/PACKAGE`` (the generator formats it with
    ruff, found next to it)."""
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}
    result = subprocess.run(
        [
            _bin("openapi-python-client"), "generate", "--path", str(schema),
            "--output-path", str(out / PACKAGE), "--meta", "none",
        ],
        capture_output=True, text=True, timeout=300, env=env, cwd=out,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Warning" not in output, output  # nothing of the schema was skipped
    return out / PACKAGE


def _import_everything(root: Path) -> dict[str, Any]:
    sys.path.insert(0, str(root.parent))
    modules = {PACKAGE: importlib.import_module(PACKAGE)}
    for info in pkgutil.walk_packages([str(root)], prefix=f"{PACKAGE}."):
        modules[info.name] = importlib.import_module(info.name)
    return modules


def _forget(root: Path) -> None:
    for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
        del sys.modules[name]
    if str(root.parent) in sys.path:
        sys.path.remove(str(root.parent))


def patiently(call: Any, *args: Any, **kwargs: Any) -> Any:
    """``call(...).status_code`` as docs/scripting.md advises: on 429 or 503, or a 202 or 409
    with Retry-After (files being written, a step not done yet), wait as told and ask again."""
    deadline = time.monotonic() + PATIENCE
    while True:
        response = call(*args, **kwargs)
        wait = response.headers.get("Retry-After")
        retry = response.status_code in (429, 503) or (response.status_code in (202, 409) and wait)
        if not retry or time.monotonic() > deadline:
            return response
        time.sleep(min(float(wait or 1), 5))


def _until(fetch: Any, done: Any) -> Any:
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        answer = patiently(fetch)
        assert answer.status_code == 200, answer.content
        if done(answer.parsed):
            return answer.parsed
        time.sleep(0.3)
    raise AssertionError("the platform did not finish in time")


@pytest.fixture
def platform(postgres, redis_url, tmp_path):
    services = Services(tmp_path, redis_url)
    services.env.update(GANGLIOSIDE_EXECUTOR="threads", GANGLIOSIDE_UPLOAD_RATE="100/min")
    services.start(
        "server", "serve", "--host", "127.0.0.1", "--port", str(services.port), "--no-migrate"
    )
    services.wait_ready()
    yield services
    services.stop()


def test_a_generated_client_runs_the_main_journey(platform, tmp_path, user):
    # The server checks passwords with the production hashers (the tests' settings use a fast
    # one the server does not know).
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode("alice-pw-123", hasher.salt())
    user.save(update_fields=["password"])
    served = httpx.get(f"{platform.base}/api/schema/", timeout=30)
    assert served.status_code == 200
    schema = tmp_path / "openapi.yaml"
    schema.write_bytes(served.content)
    checker = StrictChecker(yaml.safe_load(served.content))

    root = _generate(schema, tmp_path)
    lint = subprocess.run(
        [_bin("ruff"), "check", "--isolated", "--no-cache", "--select", "F821", str(root)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert lint.returncode == 0, lint.stdout + lint.stderr  # 0 undefined names
    try:
        modules = _import_everything(root)
        assert len([m for m in modules if ".api." in m]) >= 30
        _journey(modules, platform.base, checker)
        _the_documented_example(platform.base)
    finally:
        _forget(root)
    operations = {(method, path) for method, path, _ in checker.checked}
    assert len(operations) >= 25, sorted(operations)


def _the_documented_example(base: str) -> None:
    """docs/scripting.md's Python example, run as it is written (but for the address, the user
    and the table)."""
    text = (REPO / "docs" / "scripting.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 1
    code = (
        blocks[0]
        .replace('"http://127.0.0.1:8000"', repr(base))
        .replace(
            'username="demo", password="PASSWORD"', 'username="alice", password="alice-pw-123"'
        )
        .replace('open("table.csv", "rb")', f"open({str(SAMPLE_CSV)!r}, 'rb')")
    )
    namespace: dict[str, Any] = {}
    exec(compile(code, "docs/scripting.md", "exec"), namespace)
    assert namespace["analysis"].status.value == "succeeded"
    assert namespace["outliers"].count > 0
    assert namespace["workbook"].startswith(b"PK")


class _Api:
    """The generated package's modules by their short names: ``api.auth_token``,
    ``api.models.AnalysisCreateRequest``, ``api.types.File``."""

    def __init__(self, modules: dict[str, Any]) -> None:
        self.modules = modules
        self.models = modules[f"{PACKAGE}.models"]
        self.types = modules[f"{PACKAGE}.types"]
        self.package = modules[PACKAGE]

    def __getattr__(self, name: str) -> Any:
        for full, module in self.modules.items():
            if ".api." in full and full.rsplit(".", 1)[-1] == name:
                return module
        raise AttributeError(name)


def _journey(modules: dict[str, Any], base: str, checker: StrictChecker) -> None:
    api = _Api(modules)
    hooks = {"event_hooks": {"response": [checker.check_httpx]}}
    wait = httpx.Timeout(60)
    anonymous = api.package.Client(base_url=base, timeout=wait, httpx_args=hooks)
    credentials = api.models.TokenInputRequest(username="alice", password="alice-pw-123")
    token = patiently(api.auth_token.sync_detailed, client=anonymous, body=credentials)
    assert token.status_code == 200, token.content
    client = api.package.AuthenticatedClient(
        base_url=base, token=token.parsed.token, prefix="Token", timeout=wait, httpx_args=hooks
    )
    first = _analysis_journey(api, client)
    _study_journey(api, client)
    gone = patiently(api.analyses_destroy.sync_detailed, first, client=client)
    assert gone.status_code == 204
    missing = patiently(api.analyses_retrieve.sync_detailed, first, client=client)
    assert missing.status_code == 404 and missing.parsed.error.code == "not_found"


def _finished(api: Any, client: Any, analysis_id: int) -> Any:
    detail = _until(
        lambda: api.analyses_retrieve.sync_detailed(analysis_id, client=client),
        lambda a: a.status.value in ("succeeded", "failed"),
    )
    assert detail.status.value == "succeeded", detail.error
    return detail


def _analysis_journey(api: Any, client: Any) -> int:
    models, File = api.models, api.types.File
    upload = models.AnalysisCreateRequest(
        file=File(payload=SAMPLE_CSV.open("rb"), file_name="sample.csv", mime_type="text/csv"),
        name="generated client",
    )
    created = patiently(api.analyses_create.sync_detailed, client=client, body=upload)
    assert created.status_code == 202, created.content
    first = created.parsed.id
    detail = _finished(api, client, first)
    assert detail.error is None and detail.n_compounds > 0

    outliers = patiently(
        api.analyses_compounds.sync_detailed,
        first,
        client=client,
        status=models.AnalysesCompoundsStatus.OUTLIER,
        ordering="-abs_z",
    )
    assert outliers.status_code == 200 and outliers.parsed.count > 0
    assert {row.status.value for row in outliers.parsed.results} == {"outlier"}
    zs = [abs(row.z) for row in outliers.parsed.results if row.z is not None]
    assert zs == sorted(zs, reverse=True)

    _every_export(api, client, first)

    decision = models.DecisionCreateRequest(
        row=outliers.parsed.results[0].row,
        action=models.ActionEnum.STATUS,
        status=models.CompoundStatusEnum.VALID,
        reason="MS2 confirms it",
    )
    made = patiently(
        api.analyses_decisions_create.sync_detailed, first, client=client, body=decision
    )
    assert made.status_code == 201, made.content
    audit = patiently(api.analyses_decisions_audit.sync_detailed, first, client=client)
    assert audit.status_code == 200 and b"MS2 confirms it" in audit.parsed.payload.read()

    rerun = patiently(
        api.analyses_rerun.sync_detailed,
        first,
        client=client,
        body=models.AnalysisRerunRequest(outlier_z=3.5),
    )
    assert rerun.status_code == 202, rerun.content
    second = _finished(api, client, rerun.parsed.id).id
    compared = patiently(api.analyses_compare.sync_detailed, client=client, a=first, b=second)
    assert compared.status_code == 200, compared.content
    assert compared.parsed.a.id == first and compared.parsed.b.id == second
    assert patiently(api.analyses_destroy.sync_detailed, second, client=client).status_code == 204
    return first


def _every_export(api: Any, client: Any, analysis_id: int) -> None:
    """Each format downloads as bytes: the generated client reads them, whatever the type."""
    looks = {
        "csv": lambda b: b.split(b"\n")[0].count(b",") > 3,
        "xlsx": lambda b: b.startswith(b"PK"),
        "json": lambda b: isinstance(json.loads(b), dict),
        "html": lambda b: b"<html" in b[:500].lower(),
        "pdf": lambda b: b.startswith(b"%PDF"),
    }
    kinds = list(api.models.AnalysesExportExportFormat)
    assert {k.value for k in kinds} == set(looks)
    for kind in kinds:
        answer = patiently(api.analyses_export.sync_detailed, analysis_id, kind, client=client)
        assert answer.status_code == 200, (kind, answer.content[:300])
        content = answer.parsed.payload.read()
        assert isinstance(content, bytes) and looks[kind.value](content), kind


def _zip(tables: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in tables.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _study_journey(api: Any, client: Any) -> None:
    models, File = api.models, api.types.File
    tables, design = study_files()
    body = models.StudyCreateRequest(
        files=[File(payload=io.BytesIO(_zip(tables)), file_name="tables.zip")],
        design_file=File(payload=io.BytesIO(design.encode()), file_name="design.csv"),
        name="generated client study",
    )
    created = patiently(api.studies_create.sync_detailed, client=client, body=body)
    assert created.status_code == 202, created.content
    study = created.parsed.id
    detail = _until(
        lambda: api.studies_retrieve.sync_detailed(study, client=client),
        lambda s: s.status.value in ("succeeded", "failed", "waiting"),
    )
    assert detail.status.value == "succeeded", detail.error_message

    matrix = patiently(api.studies_matrix.sync_detailed, study, client=client).parsed
    assert matrix.count == len(matrix.rows) > 0
    row = matrix.rows[0]
    assert row.species and {"C01", "D03"} <= set(row.additional_properties)
    statistics = patiently(
        api.studies_statistics.sync_detailed, study, client=client, q_max=1.0
    ).parsed
    assert statistics.rows and all(0 <= r.q_value <= 1 for r in statistics.rows)
    assert {"mean_control", "found_disease"} <= set(statistics.rows[0].additional_properties)

    for item in detail.files:
        name = api.models.StudiesFileName(item.name)
        answer = patiently(api.studies_file.sync_detailed, study, name, client=client)
        assert answer.status_code == 200 and answer.parsed.payload.read(), item.name
    sample = detail.samples[0].id
    compounds = patiently(api.studies_sample_compounds.sync_detailed, study, sample, client=client)
    assert compounds.status_code == 200
    assert compounds.parsed.payload.read().split(b"\n")[0].count(b",") > 3

    compared = patiently(api.studies_compare.sync_detailed, study, study, client=client)
    assert compared.status_code == 200, compared.content
    agreement = compared.parsed.summary.agreement
    assert agreement.opposite_directions == 0  # a study agrees with itself
    csv = patiently(api.studies_compare_csv.sync_detailed, study, study, client=client)
    assert csv.status_code == 200 and csv.parsed.payload.read().count(b"\n") > 1
    assert patiently(api.studies_destroy.sync_detailed, study, client=client).status_code == 204

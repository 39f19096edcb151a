"""Hostile uploads (issue 13): each gets a clear 4xx, or its bad rows become ``invalid``, in
bounded time and memory, with short messages and nothing stored that should not be.

Bounds are generous (a loaded CI machine must not make them flaky): what they catch is the
difference between milliseconds and the minutes or gigabytes the issue measured.
"""

from __future__ import annotations

import codecs
import io
import random
import time
import tracemalloc
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from ganglioside.web.analyses.models import Analysis, Compound
from tests.inputs.test_input_limits import bomb_xlsx
from tests.web.conftest import SAMPLE_CSV, make_upload

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

URL = "/api/v1/analyses/"
GOOD = SAMPLE_CSV.read_text().splitlines()[1:80]
HEADER = "Name,RT,Volume,Log P,Anchor"
SECONDS = 60  # per upload and run, generous
PEAK_MB = 400  # Python memory allocated while handling one upload and its run, generous
MESSAGE_CHARS = 2100


def table(*bad_rows: str, header: str = HEADER) -> bytes:
    return "\n".join([header, *GOOD, *bad_rows, ""]).encode("utf-8")


def _zip(**members: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in members.items():
            archive.writestr(name.replace("__", "/"), text)
    return out.getvalue()


@dataclass
class Case:
    id: str
    content: bytes
    filename: str = "table.csv"
    expect: str = "refused"  # refused (4xx) | invalid (rows marked) | failed (run failed)
    says: str = ""  # words the message or a reason holds
    env: tuple[tuple[str, str], ...] = ()


rng = random.Random(13)
CASES = [
    Case("empty", b"", says="empty"),
    Case("blank lines", b"\n\n  \n", says="empty"),
    Case("binary", bytes(rng.randrange(256) for _ in range(5000)), says="binary"),
    Case("png named csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, says="binary"),
    Case("old xls", b"\xd0\xcf\x11\xe0" + b"x" * 100, "t.xls", says=".xls"),
    Case("csv named xlsx", table(), "t.xlsx", says="not an Excel workbook"),
    Case("zip not workbook", _zip(hello__txt="hi"), "t.xlsx", says="not an Excel workbook"),
    Case("truncated zip", bomb_xlsx(10)[:300], "t.xlsx", says="cannot be opened"),
    Case(
        "workbook bomb",
        bomb_xlsx(6_000_000),
        "bomb.xlsx",
        says="unpacks to",
        env=(("GANGLIOSIDE_MAX_UNPACKED_MB", "2"),),
    ),
    Case(
        "10,000 columns",
        (",".join(["Name", "RT", "Volume", *map(str, range(10_000))]) + "\n").encode()
        + b"GD1(36:1;O2),9,1"
        + b",0" * 10_000
        + b"\n",
        says="columns",
    ),
    Case(
        "too many rows",
        table(*GOOD * 3),
        says="lines",
        env=(("GANGLIOSIDE_MAX_ROWS", "100"),),
    ),
    # Windows-1252/Latin-1 is read (with a warning), as LipidSearch writes it
    Case("latin-1", table("GM1 é,9.1,100,,F").decode().encode("latin-1"), expect="invalid"),
    Case("missing column", b"Name,Volume\nGD1(36:1;O2),1\n", says="missing required column"),
    Case(
        "unterminated quote",
        b'Name,RT,Volume\n"GD1(36:1;O2),9,1\n',
        says="cannot be read as a table",
    ),
    Case("header only", (HEADER + "\n").encode(), says="no data rows"),
    Case(
        "huge cell",
        table("GD1(36:1;O2)" + "A" * 3_000_000 + ",9.1,100,,F"),
        expect="invalid",
        says="3,000,012 characters",
    ),
    Case(
        "nul in a name",
        table(*GOOD * 2, "GD1(36:1;O2)\x00,9.1,100,,F"),
        expect="invalid",
        says="control character",
    ),
    Case(
        "control characters",
        table("GD1(36\x07:1;O2),9.1,100,,F", "GM1\x1b[31m,9,1,,F"),
        expect="invalid",
        says="control character",
    ),
    Case(
        "utf-16",
        codecs.BOM_UTF16_LE + table().decode().encode("utf-16-le"),
        expect="invalid",
    ),
    Case(
        "formula cells",
        table('=HYPERLINK("http://x"),9.1,100,,F', "+cmd|' /C calc'!A0,9,1,,F"),
        expect="invalid",
        says="not a ganglioside name",
    ),
    Case(
        "html in names and filename",
        table("<script>alert(1)</script>,9.1,100,,F"),
        "<img src=x onerror=alert(1)>.csv",
        expect="invalid",
    ),
    Case(
        "odd numbers",
        table(
            "GD1(36:1;O2),1e-320,100,,F",
            "GD1(36:1;O2),NaN,100,,F",
            "GD1(36:1;O2),inf,100,,F",
            "GD1(36:1;O2),1e308,100,,F",
            "GD1(36:1;O2),0x1A,100,,F",
            'GD1(36:1;O2),"9,5",100,,F',
            "GD1(36:1;O2),9.1,-5,,F",
            "GD1(36:1;O2),9.1,100,1e999,F",
        ),
        expect="invalid",
        says="out of range",
    ),
    Case(
        "every row bad",
        "\n".join([HEADER, *[f"X{'Y' * 500_000}{i},9,1,,F" for i in range(3)], ""]).encode(),
        expect="failed",
        says="no usable row",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_hostile_upload_is_answered_clearly_and_cheaply(
    case: Case, api, monkeypatch, settings, django_capture_on_commit_callbacks
):
    for name, value in case.env:
        monkeypatch.setenv(name, value)
    tracemalloc.start()
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            URL, {"file": make_upload(case.content, case.filename)}, format="multipart"
        )
    seconds = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert seconds < SECONDS, f"{case.id}: {seconds:.1f} s"
    assert peak < PEAK_MB * 2**20, f"{case.id}: {peak / 2**20:.0f} MB"
    inputs = Path(settings.MEDIA_ROOT) / "inputs"
    if case.expect == "refused":
        assert 400 <= response.status_code < 500, response.content[:500]
        message = response.json()["error"]["message"]
        assert case.says in message and len(message) < MESSAGE_CHARS
        assert Analysis.objects.count() == 0
        assert not inputs.exists() or not any(inputs.rglob("*"))
        return
    assert response.status_code == 202, response.content[:500]
    analysis = Analysis.objects.get(pk=response.json()["id"])
    detail = api.get(f"{URL}{analysis.pk}/")
    assert len(detail.content) < 50_000
    if case.expect == "failed":
        assert analysis.status == "failed"
        assert case.says in analysis.error_message
        assert len(analysis.error_message) < MESSAGE_CHARS
        return
    assert analysis.status == "succeeded", analysis.error_message
    rows = Compound.objects.filter(analysis=analysis)
    bad = rows.exclude(reasons="").filter(status="invalid")
    if case.says:
        assert bad.exists() and any(case.says in r for r in bad.values_list("reasons", flat=True))
    assert max(len(r) for r in rows.values_list("reasons", flat=True)) < MESSAGE_CHARS
    assert max(len(n) for n in rows.values_list("name", flat=True)) <= 1100
    assert rows.filter(status="valid").exists()  # one bad row never sinks the file
    # The original name is shown (escaped by the templates); the stored path is sanitised.
    assert "<" not in analysis.input_file.name and "/" not in analysis.input_filename


def test_formula_cells_are_neutralised_in_the_exports(user, settings):
    from ganglioside.web.analyses.models import Artifact
    from ganglioside.web.analyses.services import exports, running, submission

    content = table('=HYPERLINK("http://x"),9.1,100,,F', "@SUM(A1),9,1,,F")
    analysis = submission.analysis_create(owner=user, file=make_upload(content), start=False)
    running.analysis_run(analysis_id=analysis.pk)
    exports.exports_render(analysis_id=analysis.pk)
    csv = exports.export_path(Artifact.objects.get(analysis=analysis, kind="csv")).read_text()
    cells = [cell for line in csv.splitlines() for cell in line.split(",")]
    assert not any(cell.lstrip('"').startswith(("=", "@")) for cell in cells)

"""Docs that run: every shell example of README.md and docs/ that talks to the platform's API
(``http://127.0.0.1:8000/api/…``) is executed by bash, in document order after the token
example, against a live server of this test, so an example cannot go stale.

curl reads a configuration with ``fail-with-body`` (an answer of 400 or more fails the example)
and bash runs each block with ``set -e -o pipefail``.  The files the examples name (table.csv,
other.csv, Area_0_2024.txt, tables.zip, design.csv) are made here from the bundled sample and
the test exports.  Examples for a deployment (systemd, Docker, ``https://host``) are not run.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from .studies_data import study_files

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SAMPLE = ROOT / "src" / "ganglioside" / "data" / "measured_sample.csv"
MSDIAL = ROOT / "tests" / "data" / "exports" / "msdial_alignment_area.txt"
BLOCK = re.compile(r"```(?:sh|bash|shell|console)\n(.*?)```", re.S)
PLATFORM = "http://127.0.0.1:8000"


def api_examples() -> list[tuple[str, str]]:
    """(where, text) of every shell block that calls the platform's API, the token block first."""
    found = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for match in BLOCK.finditer(text):
            block = match.group(1)
            if f"{PLATFORM}/api/" in block:
                line = text.count("\n", 0, match.start()) + 1
                found.append((f"{path.relative_to(ROOT)}:{line}", block))
    found.sort(key=lambda item: "auth/token" not in item[1])
    return found


def test_the_docs_have_api_examples_and_a_token_example_first():
    examples = api_examples()
    assert len(examples) >= 3
    assert "auth/token" in examples[0][1]
    assert all("design=@" not in block for _, block in examples)  # the field is design_file


def _files(folder: Path) -> None:
    shutil.copy(SAMPLE, folder / "table.csv")
    shutil.copy(MSDIAL, folder / "Area_0_2024.txt")
    renamed = pd.read_csv(SAMPLE).rename(
        columns={"Name": "Metabolite", "RT": "RT (min)", "Volume": "Area"}
    )
    renamed.to_csv(folder / "other.csv", index=False)
    tables, design = study_files()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in tables.items():
            archive.writestr(name, content)
    (folder / "tables.zip").write_bytes(buffer.getvalue())
    (folder / "design.csv").write_text(design, encoding="utf-8")
    (folder / ".curlrc").write_text("fail-with-body\nshow-error\n", encoding="utf-8")


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
# reset_sequences: the examples name analysis 1, 2 and study 1, as on a fresh platform
@pytest.mark.slow
@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_every_api_example_of_the_docs_runs_against_the_platform(
    live_server, django_user_model, tmp_path, settings
):
    settings.GANGLIOSIDE_EXECUTOR = "inline"
    django_user_model.objects.create_user("demo", password="PASSWORD")
    _files(tmp_path)
    env = {
        "PATH": f"{Path(shutil.which('python') or '/usr/bin/python3').parent}:/usr/bin:/bin",
        "CURL_HOME": str(tmp_path),
        "HOME": str(tmp_path),
    }
    script = "set -e -o pipefail\n"
    for where, block in api_examples():
        script += f"echo '--- {where}' >&2\n{block.replace(PLATFORM, live_server.url)}\n"
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"{done.stderr[-3000:]}\n{done.stdout[-2000:]}"
    assert (tmp_path / "analysis_1.pdf").read_bytes().startswith(b"%PDF-")
    assert (tmp_path / "analysis_1.xlsx").read_bytes().startswith(b"PK")
    assert (tmp_path / "matrix.csv").read_text(encoding="utf-8").strip()

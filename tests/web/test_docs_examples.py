"""Docs that run: every shell example of README.md and docs/ is run here or excluded by name.

* A block that talks to the platform's API (``http://127.0.0.1:8000/api/…``) is executed by
  bash, in document order after the token example, against a live server of this test.  curl
  reads a configuration with ``fail-with-body`` (an answer of 400 or more fails the example) and
  bash runs each block with ``set -e -o pipefail``.
* Every other command of a shell block that starts with ``ganglioside`` (analyze, compare,
  study, simulate, manage) runs in a fresh process, with its optional ``[...]`` parts left out
  (a synopsis names placeholders there, not values), and must exit 0.
* Every remaining command must start with one of :data:`EXCLUDED`, which says why it cannot run
  in a test (root, Docker, a real host, a server that runs until stopped, minutes of CPU); a new
  example that is neither run nor excluded fails
  :func:`test_every_shell_example_is_run_or_excluded`.

The files the examples name (table.csv, other.csv, Area_0_2024.txt, alignment.txt, tables.zip,
design.csv, standards.csv, decisions.csv, ...) are made here from the bundled sample and the test
exports.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
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

#: Commands of the docs' shell blocks that no test runs, by how they start, and why.
EXCLUDED = {
    "make ": "builds the venv and runs the test suite or a server: what CI itself runs",
    "sudo ": "needs root on a real machine (packages, users, systemd, certificates)",
    "docker ": "needs Docker and builds the production images",
    "dc ": "the Compose wrapper of docs/OPERATIONS.md: needs Docker",
    "gmanage": "the systemd install's wrapper (runs as the ganglioside user)",
    "journalctl ": "reads a systemd journal",
    "systemctl ": "systemd on a real machine",
    "curl -fsS http://127.0.0.1:8000/health/ready": "the health of the service systemd has just "
    "started (the health endpoints are tested by tests/web/test_cli_web.py and tests/web/ops)",
    "GANGLIOSIDE_SERVER_NAME=": "renders the nginx site into /etc/nginx with sudo (the template "
    "is checked by deploy/check_nginx.sh in CI)",
    "git clone ": "clones the repository from its URL",
    "cp .env.example ": "writes the deployment's .env in the checkout",
    "chmod ": "acts on the deployment's .env",
    "python3 -c 'import secrets": "prints a new secret key, nothing to check",
    "mkdir -p deploy/tls && openssl ": "writes a certificate into the checkout's deploy/",
    "export ": "settings of a production deployment naming hosts that do not exist here",
    "curl -fsS https://": "asks a deployed host (lipids.example.org)",
    "gmanage() {": "defines the systemd wrapper",
    ".venv/bin/python bench/": "benchmarks take minutes of CPU; their figures are in the docs",
    "ganglioside serve": "starts a server that runs until stopped (the API examples run "
    "against this test's live server)",
    "ganglioside worker": "starts a Celery worker that runs until stopped (needs Redis)",
    "ganglioside beat": "starts the Celery beat that runs until stopped (needs Redis)",
    "ganglioside manage createsuperuser": "asks for a password interactively",
}
#: The commands that run without a live server (and the test that runs them).
CLI = re.compile(r"ganglioside (analyze|compare|study|simulate|simulate-study|manage) ")


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


def shell_commands() -> list[tuple[str, str]]:
    """(where, command) of every command of every shell block that does not call the API:
    comments dropped, continuation lines (a trailing backslash, or an indented line) joined."""
    found = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for match in BLOCK.finditer(text):
            block = match.group(1)
            if f"{PLATFORM}/api/" in block:
                continue
            line = text.count("\n", 0, match.start()) + 1
            where = f"{path.relative_to(ROOT)}:{line}"
            commands: list[str] = []
            joined = False
            for raw in block.splitlines():
                code = raw.split("  #", 1)[0].split(" # ", 1)[0].rstrip()
                if not code.strip() or code.lstrip().startswith("#"):
                    joined = False
                    continue
                if commands and (joined or raw[:1].isspace() or code == "}"):
                    commands[-1] += " " + code.strip().rstrip("\\").strip()
                else:
                    commands.append(code.strip().rstrip("\\").strip())
                joined = code.endswith("\\")
            found += [(where, command) for command in commands]
    return found


def _without_options(command: str) -> str:
    """The command with its optional ``[...]`` parts (nested too) left out."""
    while True:
        shorter = re.sub(r"\s*\[[^\[\]]*\]", "", command)
        if shorter == command:
            return command
        command = shorter


def cli_examples() -> list[tuple[str, str]]:
    return [
        (where, _without_options(command))
        for where, command in shell_commands()
        if CLI.match(command) and not command.startswith(tuple(EXCLUDED))
    ]


def test_every_shell_example_is_run_or_excluded():
    unexplained = [
        f"{where}: {command}"
        for where, command in shell_commands()
        if not CLI.match(command) and not command.startswith(tuple(EXCLUDED))
    ]
    assert unexplained == [], "run these in a test or add them to EXCLUDED with the reason"
    names = {c.split()[1] for _, c in cli_examples()}
    assert {"analyze", "compare", "study", "simulate", "simulate-study", "manage"} <= names
    # every exclusion is still used by some example (none is left over from an old doc)
    starts = [command for _, command in shell_commands()]
    assert [e for e in EXCLUDED if not any(c.startswith(e) for c in starts)] == []


def test_the_docs_have_api_examples_and_a_token_example_first():
    examples = api_examples()
    assert len(examples) >= 3
    assert "auth/token" in examples[0][1]
    assert all("design=@" not in block for _, block in examples)  # the field is design_file


def _files(folder: Path) -> None:
    shutil.copy(SAMPLE, folder / "table.csv")
    shutil.copy(MSDIAL, folder / "Area_0_2024.txt")
    # a multi-sample export whose metadata rows give every sample its group
    shutil.copy(MSDIAL.with_name("msdial5_alignment_prefixes.txt"), folder / "alignment.txt")
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


def _cli_files(folder: Path) -> None:
    """The files the command-line examples name, and two result folders to compare."""
    shutil.copy(SAMPLE, folder / "table.csv")
    shutil.copy(SAMPLE, folder / "run.csv")
    shutil.copy(MSDIAL, folder / "Area_0.txt")
    # a standards run that is also read as a calibrant list (a `name` and an `rt` column)
    shutil.copy(SAMPLE, folder / "standards.csv")
    first = pd.read_csv(SAMPLE).iloc[0]
    (folder / "decisions.csv").write_text(
        f"row,action,status,reason\n1,status,outlier,checked by hand ({first['Name']})\n",
        encoding="utf-8",
    )
    tables, design = study_files()
    for name, content in tables.items():
        (folder / name).write_bytes(content)
    (folder / "design.csv").write_text(design, encoding="utf-8")


@pytest.mark.slow
def test_every_command_line_example_of_the_docs_runs(tmp_path):
    examples = cli_examples()
    _cli_files(tmp_path)
    command = Path(sys.executable).with_name("ganglioside")
    env = {
        **os.environ,
        "PATH": f"{command.parent}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "GANGLIOSIDE_DATA_DIR": str(tmp_path / "data"),
        "SECRET_KEY": "docs-examples",
        "MPLBACKEND": "Agg",
    }
    for name in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)  # the embedded default: SQLite in the data folder
    for folder in ("results_a", "results_b"):
        subprocess.run(
            [str(command), "analyze", "table.csv", "-o", folder],
            cwd=tmp_path,
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )
    failed = []
    for where, example in examples:
        done = subprocess.run(
            ["bash", "-c", f"set -e -o pipefail\n{example}"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            failed.append(f"{where}: {example}\n{done.stderr[-1500:]}")
    assert failed == [], "\n\n".join(failed)
    assert (tmp_path / "results" / "compounds.csv").is_file()
    assert (tmp_path / "cal.json").is_file()
    assert (tmp_path / "sim.csv").is_file() and (tmp_path / "sim.truth.csv").is_file()
    assert (tmp_path / "study" / "matrix.csv").is_file()

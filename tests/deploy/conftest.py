"""Helpers for the checks of deploy/ (no Docker engine needed).

The external tools these tests drive (nginx, systemd-analyze, hadolint) are installed by
``.ci/run``.  On a developer machine without them the tests skip; under CI (``CI`` or
``GANGLIOSIDE_REQUIRE_SERVICES`` set, as ``.ci/run`` does) a missing tool fails the test instead,
so a green CI run always means the files were really checked.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
VENV_BIN = Path(os.environ.get("VIRTUAL_ENV", REPO / ".venv")) / "bin"


def find_tool(name: str, *extra_dirs: Path) -> str:
    """Path of the executable ``name``, skipping the test (failing it under CI) when absent."""
    search = os.pathsep.join([*(str(d) for d in extra_dirs), os.environ.get("PATH", "")])
    found = shutil.which(name, path=search)
    if found:
        return found
    message = f"{name} is not installed (.ci/run installs it)"
    required = os.environ.get("GANGLIOSIDE_REQUIRE_SERVICES", "") in ("1", "true", "yes")
    if required or os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def load_yaml(path: Path) -> dict:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="session")
def compose() -> dict:
    return load_yaml(DEPLOY / "compose.yaml")


@pytest.fixture(scope="session")
def compose_dev() -> dict:
    return load_yaml(DEPLOY / "compose.dev.yaml")


def vendored_schema(name: str) -> dict:
    """A JSON schema shipped with the ``check-jsonschema`` package (a dev dependency).

    ``compose-spec`` is the Compose Specification's own schema, ``github-workflows`` the
    SchemaStore schema of GitHub Actions workflows; the package keeps both with their licences.
    """
    import json
    from importlib.resources import files

    resource = files("check_jsonschema.builtin_schemas.vendor") / f"{name}.json"
    return json.loads(resource.read_text(encoding="utf-8"))


def schema_errors(document: dict, schema: dict) -> list[str]:
    """Every violation of ``schema`` in ``document``, as 'path: message' lines."""
    from jsonschema.validators import validator_for

    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '<root>'}: {error.message}"
        for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    ]

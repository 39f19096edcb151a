""".github/workflows/ci.yml: valid for GitHub Actions (SchemaStore's workflow schema) and runs
every gate the project promises."""

from __future__ import annotations

import copy

import pytest

from .conftest import REPO, load_yaml, schema_errors, vendored_schema

WORKFLOW = REPO / ".github" / "workflows" / "ci.yml"


@pytest.fixture(scope="module")
def workflow() -> dict:
    return load_yaml(WORKFLOW)


def commands(job: dict) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


@pytest.mark.slow
def test_the_workflow_is_valid_for_github_actions(workflow):
    # PyYAML reads the `on:` key as True (YAML 1.1); GitHub reads it as "on".
    document = {("on" if key is True else key): value for key, value in workflow.items()}
    assert schema_errors(document, vendored_schema("github-workflows")) == []


def test_the_schema_check_catches_a_broken_workflow(workflow):
    document = copy.deepcopy({("on" if k is True else k): v for k, v in workflow.items()})
    document["job"] = document.pop("jobs")  # a typo in a top-level key
    errors = schema_errors(document, vendored_schema("github-workflows"))
    assert any("'jobs' is a required property" in e for e in errors)


def test_it_runs_on_pushes_and_pull_requests_with_read_only_permissions(workflow):
    triggers = workflow[True]
    assert "pull_request" in triggers and triggers["push"]["branches"] == ["main"]
    assert workflow["permissions"] == {"contents": "read"}
    for name, job in workflow["jobs"].items():
        assert job["timeout-minutes"] <= 60, name


def test_it_lints_and_type_checks(workflow):
    lint = commands(workflow["jobs"]["lint"])
    assert "ruff check src tests bench" in lint
    assert "ruff format --check src tests bench" in lint
    assert "mypy src/ganglioside" in lint


def test_it_scans_code_and_dependencies_for_security_problems(workflow):
    security = commands(workflow["jobs"]["security"])
    assert "bandit --recursive src" in security
    assert "pip-audit --strict" in security


def test_the_test_job_runs_ci_run_against_postgres_and_redis(workflow):
    test = workflow["jobs"]["test"]
    assert set(test["services"]) == {"postgres", "redis"}
    assert test["services"]["postgres"]["image"].startswith("postgres:15")
    assert test["env"]["CI"] == "true"
    assert "bash .ci/run" in commands(test)


def test_the_image_job_builds_the_dockerfile_and_starts_the_stack(workflow):
    image = commands(workflow["jobs"]["image"])
    assert "docker build --file deploy/Dockerfile" in image
    assert "docker compose --env-file .env -f deploy/compose.yaml up" in image
    assert "--wait" in image
    assert "/health/ready" in image

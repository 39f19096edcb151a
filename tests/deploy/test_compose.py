"""deploy/compose.yaml and its development override, checked without a Docker engine."""

from __future__ import annotations

import copy

import pytest

from .conftest import DEPLOY, load_yaml, schema_errors, vendored_schema

LONG_RUNNING = {"postgres", "redis", "web", "worker", "beat", "nginx"}
APP_SERVICES = {"migrate", "web", "worker", "beat"}


def test_the_stack_is_valid_against_the_compose_specification(compose):
    assert schema_errors(compose, vendored_schema("compose-spec")) == []


def test_the_development_override_is_valid_against_the_compose_specification(compose_dev):
    assert schema_errors(compose_dev, vendored_schema("compose-spec")) == []


def test_the_schema_check_catches_a_broken_file(compose):
    # Guards the two tests above against a schema that accepts anything.
    broken = copy.deepcopy(compose)
    broken["services"]["web"]["healthcheck"]["interval"] = ["thirty", "seconds"]
    broken["services"]["redis"]["restart_policy"] = "always"
    errors = schema_errors(broken, vendored_schema("compose-spec"))
    assert any(e.startswith("services/web/healthcheck/interval") for e in errors)
    assert any("restart_policy" in e for e in errors)


def test_it_defines_the_platform_services(compose):
    assert set(compose["services"]) == LONG_RUNNING | {"migrate"}


@pytest.mark.parametrize("name", sorted(LONG_RUNNING))
def test_every_long_running_service_has_a_healthcheck_and_a_restart_policy(compose, name):
    service = compose["services"][name]
    check = service["healthcheck"]
    assert not check.get("disable", False)
    assert check["test"][0] in ("CMD", "CMD-SHELL") and len(check["test"]) > 1
    for key in ("interval", "timeout", "retries", "start_period"):
        assert key in check, f"{name} healthcheck lacks {key}"
    assert service["restart"] == "unless-stopped"


def test_every_dependency_waits_on_a_condition(compose):
    for name, service in compose["services"].items():
        for dependency, spec in service.get("depends_on", {}).items():
            assert dependency in compose["services"], f"{name} depends on unknown {dependency}"
            expected = (
                "service_completed_successfully" if dependency == "migrate" else "service_healthy"
            )
            assert spec["condition"] == expected, f"{name} → {dependency}"


def test_the_application_waits_for_database_broker_and_migrations(compose):
    services = compose["services"]
    for name in ("web", "worker", "beat"):
        assert set(services[name]["depends_on"]) == {"postgres", "redis", "migrate"}
    assert set(services["migrate"]["depends_on"]) == {"postgres"}
    assert set(services["nginx"]["depends_on"]) == {"web"}
    assert services["migrate"]["restart"] == "no"


def test_state_lives_in_named_volumes(compose):
    assert {"db", "media", "static"} <= set(compose["volumes"])

    def mounts(name: str) -> dict[str, str]:
        pairs = (v.split(":")[:2] for v in compose["services"][name]["volumes"])
        return {source: target for source, target in pairs}

    assert mounts("postgres")["db"] == "/var/lib/postgresql/data"
    for name in ("web", "worker", "beat", "migrate"):
        assert mounts(name)["media"] == "/var/lib/ganglioside/media"
    # migrate fills the static volume, nginx serves it read-only.
    assert mounts("migrate")["static"] == "/var/lib/ganglioside/static"
    nginx_static = [v for v in compose["services"]["nginx"]["volumes"] if v.startswith("static:")]
    assert nginx_static == ["static:/srv/ganglioside/static:ro"]


def test_settings_come_from_the_dot_env_file(compose):
    for name in APP_SERVICES | {"postgres"}:
        paths = [entry["path"] for entry in compose["services"][name]["env_file"]]
        assert "../.env" in paths, name
    # Nothing secret is written into the compose file itself.
    text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    for secret in ("SECRET_KEY=", "POSTGRES_PASSWORD:", "POSTGRES_PASSWORD=", "DATABASE_URL:"):
        assert secret not in text


def test_the_file_locations_are_fixed_by_compose_not_by_dot_env(compose):
    # environment: wins over env_file, so a MEDIA_ROOT in .env cannot move the files off the
    # volumes (the image itself is read-only).
    for name in APP_SERVICES:
        environment = compose["services"][name]["environment"]
        assert environment["MEDIA_ROOT"] == "/var/lib/ganglioside/media", name
        assert environment["STATIC_ROOT"] == "/var/lib/ganglioside/static", name


def test_only_nginx_publishes_ports(compose):
    publishing = {name for name, s in compose["services"].items() if s.get("ports")}
    assert publishing == {"nginx"}
    assert sorted(compose["services"]["nginx"]["ports"]) == ["443:443", "80:80"]


def test_application_containers_are_locked_down(compose):
    for name in APP_SERVICES:
        service = compose["services"][name]
        assert service["read_only"] is True
        assert service["cap_drop"] == ["ALL"]
        assert "no-new-privileges:true" in service["security_opt"]
        assert service["image"].startswith("ganglioside:")
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"


def test_web_worker_and_beat_run_the_asgi_server_and_celery(compose):
    services = compose["services"]
    assert services["web"]["command"] == ["uvicorn", "ganglioside.web.asgi:application"]
    assert services["worker"]["command"][:4] == [
        "celery", "--app", "ganglioside.web.celery:app", "worker",
    ]  # fmt: skip
    assert services["beat"]["command"][:4] == [
        "celery", "--app", "ganglioside.web.celery:app", "beat",
    ]  # fmt: skip
    # The beat health check reads the schedule file that beat is told to write.
    schedule = services["beat"]["command"][services["beat"]["command"].index("--schedule") + 1]
    assert services["beat"]["healthcheck"]["test"][-1] == schedule


def test_the_development_override_only_touches_known_services(compose, compose_dev):
    assert set(compose_dev["services"]) <= set(compose["services"])
    assert compose_dev["services"]["nginx"]["profiles"] == ["proxy"]
    web = compose_dev["services"]["web"]
    assert "--reload" in web["command"]
    assert web["environment"]["DEBUG"] == "1"
    # Development ports are bound to the loopback interface only.
    for service in compose_dev["services"].values():
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), port


def test_the_server_options_file_is_read_by_web(compose):
    paths = [entry["path"] for entry in compose["services"]["web"]["env_file"]]
    assert "./uvicorn.env" in paths
    options = dict(
        line.split("=", 1)
        for line in (DEPLOY / "uvicorn.env").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    )
    assert int(options["UVICORN_WORKERS"]) > 1
    assert options["UVICORN_PROXY_HEADERS"] == "true"


def test_yaml_anchors_resolve_to_the_same_hardening_everywhere():
    # The x-app anchor must expand into each application service, not be left as a stray key.
    data = load_yaml(DEPLOY / "compose.yaml")
    assert "x-app" in data
    for name in APP_SERVICES:
        assert data["services"][name]["tmpfs"] == ["/tmp"]


def test_the_modules_the_containers_run_exist(compose):
    import importlib.util

    modules = {"ganglioside.web.asgi", "ganglioside.web.celery"}
    for service in compose["services"].values():
        argv = service.get("healthcheck", {}).get("test", [])
        if "-m" in argv:
            modules.add(argv[argv.index("-m") + 1])
    assert "ganglioside.web.ops.probe" in modules
    for module in sorted(modules):
        assert importlib.util.find_spec(module) is not None, module

"""deploy/systemd/: `systemd-analyze verify` and `security` through deploy/check_systemd.sh, and
the properties every unit must keep (restart policy, sandbox, the same commands as compose)."""

from __future__ import annotations

import configparser
import shlex
import subprocess
from pathlib import Path

import pytest

from .conftest import DEPLOY, REPO, VENV_BIN, find_tool

SYSTEMD = DEPLOY / "systemd"
SERVICES = ["ganglioside-web.service", "ganglioside-worker.service", "ganglioside-beat.service"]


def unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return parser


def test_systemd_analyze_verifies_the_units_and_scores_their_sandbox():
    find_tool("systemd-analyze")
    result = subprocess.run(
        [str(DEPLOY / "check_systemd.sh"), str(VENV_BIN.parent)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    for service in SERVICES:
        assert f"check_systemd: {service} 1." in result.stdout or (
            f"check_systemd: {service} 0." in result.stdout
        ), result.stdout


def test_the_check_fails_when_an_executable_is_missing(tmp_path):
    find_tool("systemd-analyze")
    empty_venv = tmp_path / "venv"
    (empty_venv / "bin").mkdir(parents=True)
    result = subprocess.run(
        [str(DEPLOY / "check_systemd.sh"), str(empty_venv)], capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "uvicorn is not executable" in result.stdout + result.stderr


def test_the_check_fails_on_an_unknown_key(tmp_path):
    find_tool("systemd-analyze")
    copy = tmp_path / "deploy"
    subprocess.run(["cp", "-r", str(DEPLOY), str(copy)], check=True)
    web = copy / "systemd" / "ganglioside-web.service"
    web.write_text(web.read_text().replace("[Service]\n", "[Service]\nRestartt=always\n"))
    result = subprocess.run(
        [str(copy / "check_systemd.sh"), str(REPO / ".venv")], capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "Restartt" in result.stderr


def test_the_shared_drop_in_hardens_every_service():
    hardening = unit(SYSTEMD / "ganglioside-.service.d" / "hardening.conf")["Service"]
    expected = {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "PrivateDevices": "yes",
        "RestrictSUIDSGID": "yes",
        "CapabilityBoundingSet": "",
        "User": "ganglioside",
        "Restart": "on-failure",
    }
    for key, value in expected.items():
        assert hardening[key] == value, key
    assert hardening["SystemCallFilter"] == "@system-service"
    # Every service name matches the drop-in's prefix, so systemd applies it to all three.
    for service in SERVICES:
        assert service.startswith("ganglioside-")


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_belongs_to_the_target_and_stops_gracefully(name):
    parsed = unit(SYSTEMD / name)
    assert parsed["Unit"]["PartOf"] == "ganglioside.target"
    assert parsed["Install"]["WantedBy"] == "ganglioside.target"
    assert parsed["Service"]["Type"] == "exec"
    assert "TimeoutStopSec" in parsed["Service"]
    assert parsed["Service"]["ExecStart"].startswith("/opt/ganglioside/venv/bin/")


def test_units_run_the_same_commands_as_the_containers(compose):
    def exec_start(name: str) -> list[str]:
        argv = shlex.split(unit(SYSTEMD / name)["Service"]["ExecStart"])
        return [Path(argv[0]).name, *argv[1:]]

    services = compose["services"]
    assert exec_start("ganglioside-web.service") == services["web"]["command"]
    assert exec_start("ganglioside-worker.service") == services["worker"]["command"]
    beat = exec_start("ganglioside-beat.service")
    assert beat[:-1] == services["beat"]["command"][:-1]  # only the schedule path differs
    assert beat[-1] == "/var/lib/ganglioside/celerybeat-schedule"


def test_the_web_server_options_are_read_after_the_shared_settings():
    # Both files may set DATABASE_POOL; the server options must win for the web unit.
    lines = (SYSTEMD / "ganglioside-web.service").read_text().splitlines()
    files = [line.split("=", 1)[1] for line in lines if line.startswith("EnvironmentFile=")]
    assert files == ["/etc/ganglioside/ganglioside.env", "/etc/ganglioside/uvicorn.env"]
    options = (DEPLOY / "uvicorn.env").read_text()
    assert "DATABASE_POOL=true" in options
    assert "PROMETHEUS_MULTIPROC_DIR=/tmp/" in options
    for name in SERVICES:
        assert "EnvironmentFile=/etc/ganglioside/ganglioside.env" in (SYSTEMD / name).read_text()
    drop_in = (SYSTEMD / "ganglioside-.service.d" / "hardening.conf").read_text()
    assert "\nEnvironmentFile=" not in drop_in


def test_the_target_pulls_in_all_three_services():
    wants = unit(SYSTEMD / "ganglioside.target")["Unit"]["Wants"].split()
    assert sorted(wants) == sorted(SERVICES)

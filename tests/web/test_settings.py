"""Settings come from the environment; bad values stop the process with a clear message."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

BASE = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp")}


def _load(tmp_path, **env):
    code = (
        "import json, ganglioside.web.settings as s;"
        "print(json.dumps({'db': s.DATABASES['default']['ENGINE'], 'name': str(s.DATABASES"
        "['default']['NAME']), 'executor': s.GANGLIOSIDE_EXECUTOR, 'layer': "
        "s.CHANNEL_LAYERS['default']['BACKEND'], 'mb': s.GANGLIOSIDE_MAX_UPLOAD_MB, "
        "'email': s.EMAIL_BACKEND, 'hosts': s.ALLOWED_HOSTS}))"
    )
    environment = {**BASE, "GANGLIOSIDE_DATA_DIR": str(tmp_path / "data"), **env}
    return subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True
    )


def test_without_secret_key_and_debug_off_it_refuses_to_start(tmp_path):
    result = _load(tmp_path)
    assert result.returncode == 2
    assert "SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_defaults_are_sqlite_in_the_data_folder_threads_and_in_memory_layer(tmp_path):
    import json

    result = _load(tmp_path, SECRET_KEY="k")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["db"] == "django.db.backends.sqlite3"
    assert values["name"] == str(tmp_path / "data" / "db.sqlite3")
    assert values["executor"] == "threads"
    assert values["layer"] == "channels.layers.InMemoryChannelLayer"
    assert values["mb"] == 20.0
    assert values["email"] == "django.core.mail.backends.console.EmailBackend"


def test_redis_url_switches_to_celery_and_the_redis_channel_layer(tmp_path):
    import json

    result = _load(tmp_path, SECRET_KEY="k", REDIS_URL="redis://127.0.0.1:6379/3")
    values = json.loads(result.stdout)
    assert values["executor"] == "celery"
    assert values["layer"] == "channels_redis.core.RedisChannelLayer"


def test_email_url_configures_smtp(tmp_path):
    code = (
        "import ganglioside.web.settings as s;"
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_USE_TLS)"
    )
    env = {
        **BASE,
        "SECRET_KEY": "k",
        "GANGLIOSIDE_DATA_DIR": str(tmp_path),
        "EMAIL_URL": "smtp+tls://mailer:p%40ss@mail.example.org",
    }
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.split() == [
        "django.core.mail.backends.smtp.EmailBackend",
        "mail.example.org",
        "587",
        "mailer",
        "True",
    ]


@pytest.mark.parametrize(
    "name, value, expected",
    [
        ("DEBUG", "maybe", "one of 1/0"),
        ("GANGLIOSIDE_MAX_UPLOAD_MB", "lots", "a number"),
        ("GANGLIOSIDE_API_RATE", "fast", "a rate like 10/s"),
        ("DATABASE_URL", "mysql://x/y", "a URL starting with"),
        ("REDIS_URL", "localhost:6379", "a URL starting with redis://"),
        ("CSRF_TRUSTED_ORIGINS", "example.org", "origins like https://example.org"),
        ("GANGLIOSIDE_THREADS", "0", "a whole number ≥ 1"),
    ],
)
def test_a_malformed_value_is_refused_naming_the_variable(tmp_path, name, value, expected):
    result = _load(tmp_path, SECRET_KEY="k", **{name: value})
    assert result.returncode == 2
    assert f"environment variable {name} is {value!r}" in result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_every_variable_the_settings_read_is_listed_in_env_example():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    source = "\n".join(p.read_text() for p in (root / "src/ganglioside/web").rglob("*.py"))
    read = set(
        re.findall(
            r'env\.(?:str|bool|int|float|list|url|choice|rate|origins)\(\s*"([A-Z_]+)"', source
        )
    )
    listed = set(re.findall(r"^([A-Z_]+)=", (root / ".env.example").read_text(), re.M))
    assert read, "no variables found: the pattern no longer matches the settings code"
    assert sorted(read - listed) == []


@pytest.mark.parametrize(
    ("given", "worker", "expected"),
    [
        ("redis://127.0.0.1:6379/0", "gw0", "redis://127.0.0.1:6379/1"),
        ("redis://127.0.0.1:6379/0", "gw1", "redis://127.0.0.1:6379/2"),
        ("redis://127.0.0.1:6379", "gw2", "redis://127.0.0.1:6379/3"),
        ("redis://:pw@redis.example:6380/14", "gw1", "redis://:pw@redis.example:6380/0"),
    ],
)
def test_each_parallel_test_process_has_a_redis_database_of_its_own(given, worker, expected):
    from ganglioside.web.settings_test import _worker_redis_url

    assert _worker_redis_url(given, worker) == expected

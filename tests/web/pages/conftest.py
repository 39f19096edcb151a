"""Fixtures of the browser tests: Chromium found (or the test skipped), and a running platform
per test module (a module that needs users, uploads or settings of its own defines its own)."""

from __future__ import annotations

import pytest

from tests.web.browser import chromium_or_skip, running_platform


@pytest.fixture(scope="module")
def chromium_path() -> str:
    return chromium_or_skip()


@pytest.fixture(scope="module")
def platform(request, tmp_path_factory, chromium_path):
    """``ganglioside serve`` (and a Celery worker when Redis answers) on a fresh database."""
    folder = tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1])
    with running_platform(folder) as running:
        yield running

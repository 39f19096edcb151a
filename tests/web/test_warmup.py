"""The worker warm-up: the analysis stack loaded before the pool forks, never a failed start."""

from __future__ import annotations

import logging

import pytest
from celery.signals import worker_init

import ganglioside
from ganglioside import names
from ganglioside.web import celery as celery_module
from ganglioside.web.analyses import warmup

#: Each test here runs whole analyses or studies: left out of `make check`.
pytestmark = pytest.mark.slow


def test_warm_up_analyses_the_sample_and_leaves_the_caches_filled():
    names._name_record.cache_clear()
    seconds = warmup.warm_up()
    assert seconds > 0
    # the sample's names are parsed and pygoslin's parser is loaded for the next analysis
    assert names._name_record.cache_info().currsize >= 100
    assert names._lipid_parser.cache_info().currsize == 1


def test_a_failing_warm_up_is_logged_and_the_worker_still_starts(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(ganglioside, "analyze", broken)
    with caplog.at_level(logging.ERROR, logger="ganglioside.web.analyses.warmup"):
        seconds = warmup.warm_up()
    assert seconds >= 0
    assert "warm-up failed" in caplog.text
    assert "disk on fire" in caplog.text


def test_the_worker_warms_up_before_its_pool_unless_turned_off(monkeypatch, settings):
    calls = []
    monkeypatch.setattr(warmup, "warm_up", lambda: calls.append(1) or 0.0)
    assert celery_module._warm_up_worker in [r() for _, r in worker_init.receivers]

    settings.GANGLIOSIDE_WORKER_WARM_UP = True
    celery_module._warm_up_worker()
    assert calls == [1]

    settings.GANGLIOSIDE_WORKER_WARM_UP = False
    celery_module._warm_up_worker()
    assert calls == [1]

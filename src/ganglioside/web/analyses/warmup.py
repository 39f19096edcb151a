"""Warm a worker process before its first task.

The first analysis in a fresh process pays for loading what the later ones reuse: pygoslin's
grammars, molmass, the plotting and workbook libraries, and numpy's and pandas' code paths.  A
worker runs the bundled sample through the analysis and renders its exports once, in memory,
before its pool processes fork from it, so that the first upload it takes is as fast as the next
ones.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection
from importlib import resources

log = logging.getLogger(__name__)

SAMPLE = "measured_sample.csv"


def warm_up(kinds: Collection[str] | None = None) -> float:
    """Analyse the bundled sample and render its exports (every kind, or ``kinds``),
    discarding them; the seconds spent.

    Never raises: a failed warm-up is logged and the worker starts anyway.
    """
    started = time.perf_counter()
    try:
        import ganglioside

        from .artifacts import build_artifacts

        with resources.as_file(resources.files("ganglioside.data") / SAMPLE) as path:
            result = ganglioside.analyze(path)
        # the sample's names are all read by the project's grammar: load pygoslin's too
        ganglioside.names.load_lipid_parser()
        build_artifacts(result, basename="warm-up", kinds=kinds)
    except Exception:  # the worker must start even if the warm-up cannot run
        log.exception("worker warm-up failed; the first analysis will load everything itself")
    seconds = time.perf_counter() - started
    log.info("worker warm-up: %.2f s", seconds)
    return seconds

"""A static-files finder that serves plotly.js from the installed ``plotly`` Python package.

The pages draw their charts with plotly.js, and the platform never loads scripts from a CDN.
The ``plotly`` package (a dependency of the core) already ships the minified bundle, so this
finder exposes that one file as ``vendor/plotly-<version>/plotly.min.js``: WhiteNoise serves it
straight from the package under ``ganglioside serve`` (``WHITENOISE_USE_FINDERS``), and
``collectstatic`` copies it to ``STATIC_ROOT`` in production.  The package version in the path
changes the URL on every upgrade, so browsers never keep a stale copy.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal, overload

import plotly
from django.contrib.staticfiles import utils
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PLOTLY_FILE = "plotly.min.js"
PLOTLY_PREFIX = f"vendor/plotly-{plotly.__version__}"
#: The path to give ``{% static %}``.
PLOTLY_STATIC_PATH = f"{PLOTLY_PREFIX}/{PLOTLY_FILE}"


class PlotlyJsFinder(BaseFinder):
    """Finds ``vendor/plotly-<version>/plotly.min.js`` in the plotly package's data folder."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.root = Path(plotly.__file__).resolve().parent / "package_data"
        self.storage = FileSystemStorage(location=str(self.root))
        # collectstatic and WhiteNoise put the file under the storage's prefix.
        self.storage.prefix = PLOTLY_PREFIX  # type: ignore[attr-defined]

    def check(self, **kwargs: Any) -> list[Any]:
        from django.core.checks import Error

        if not (self.root / PLOTLY_FILE).is_file():
            return [
                Error(
                    f"plotly.js is missing from the plotly package ({self.root / PLOTLY_FILE})",
                    hint="Reinstall plotly: pip install --force-reinstall plotly",
                    id="ganglioside.E001",
                )
            ]
        return []

    @overload
    def find(self, path: str, find_all: Literal[False] = False, **kwargs: Any) -> str: ...
    @overload
    def find(self, path: str, find_all: Literal[True], **kwargs: Any) -> list[str]: ...

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> str | list[str]:
        # ``all`` is the pre-5.2 name of ``find_all``.
        find_all = find_all or bool(kwargs.get("all", False))
        if path == PLOTLY_STATIC_PATH and (self.root / PLOTLY_FILE).is_file():
            match = str(self.root / PLOTLY_FILE)
            return [match] if find_all else match
        return [] if find_all else ""

    def list(
        self, ignore_patterns: Iterable[str] | None
    ) -> Iterator[tuple[str, FileSystemStorage]]:
        if (self.root / PLOTLY_FILE).is_file() and not utils.matches_patterns(
            PLOTLY_FILE, ignore_patterns or []
        ):
            yield PLOTLY_FILE, self.storage

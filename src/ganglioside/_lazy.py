"""Public names of a package loaded on first use: the one mechanism of the package.

A package lists, once, which of its names live in which module; the module is imported only
when one of its names is first read (so ``import ganglioside`` does not load pandas, Plotly or
XlsxWriter)::

    __getattr__, __dir__ = lazy_names(__name__, globals(), {".tables": ("compounds_csv",)})
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def load(module: str, name: str, package: str) -> Any:
    """``name`` of ``module`` (relative to ``package``), the module imported now."""
    return getattr(importlib.import_module(module, package), name)


def lazy_names(
    package: str, namespace: dict[str, Any], modules: Mapping[str, tuple[str, ...]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The package's ``__getattr__`` and ``__dir__`` for the names of ``modules`` (module →
    names); a name once loaded is kept in ``namespace`` (later reads skip ``__getattr__``)."""
    where = {name: module for module, names in modules.items() for name in names}

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = namespace[name] = load(module, name, package)
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(where))

    return __getattr__, __dir__


def names_of(modules: Mapping[str, tuple[str, ...]]) -> list[str]:
    """Every name of ``modules`` (for ``__all__``)."""
    return [name for names in modules.values() for name in names]

"""The web apps import each other one way: ``common`` imports none of them, ``methods`` only
``common``, ``analyses`` also ``methods``, ``studies`` and ``ops`` also ``analyses``; and no app
imports another's API or page modules (what they share is in ``common``), nor a private name of
another app.

Read from the source (nothing is imported), with the import graph of
:mod:`tests.test_import_layers` (function-local imports count; ``if TYPE_CHECKING:`` ones do
not).
"""

from __future__ import annotations

import ast

import pytest

from .test_import_layers import SRC, _from_target, _run_time_nodes, import_graph, read_modules

WEB = "ganglioside.web."
#: App -> the apps it may import.
MAY_IMPORT: dict[str, set[str]] = {
    "common": set(),
    "methods": {"common"},
    "analyses": {"common", "methods"},
    "studies": {"common", "methods", "analyses"},
    "ops": {"common", "methods", "analyses", "studies"},
}
#: Modules of an app that no other app imports: its API and its pages are its own.
ENTRY_POINTS = ("api", "views", "views_pages", "views_choice", "views_curation", "urls", "tasks")


def app_of(module: str) -> str | None:
    """The web app a module belongs to (``None`` outside the apps: settings, dispatch, …)."""
    if not module.startswith(WEB):
        return None
    parts = module[len(WEB) :].split(".")
    return parts[0] if len(parts) > 1 and parts[0] in MAY_IMPORT else None


def _crossings() -> list[tuple[str, str, str, str]]:
    """(module, its app, imported module, that module's app) for every import between apps."""
    graph = import_graph(read_modules(SRC, "ganglioside"))
    found = []
    for name, edges in sorted(graph.items()):
        own = app_of(name)
        for edge in sorted(edges):
            other = app_of(edge)
            if own and other and own != other:
                found.append((name, own, edge, other))
    return found


@pytest.mark.slow
def test_the_apps_import_each_other_one_way():
    crossings = _crossings()
    assert len(crossings) > 10  # the apps were read
    wrong = [f"{m} -> {e}" for m, own, e, other in crossings if other not in MAY_IMPORT[own]]
    assert wrong == []


@pytest.mark.slow
def test_no_app_imports_the_api_or_the_pages_of_another():
    wrong = [
        f"{m} -> {e}"
        for m, _, e, other in _crossings()
        if other != "common" and e[len(WEB) + len(other) + 1 :].split(".")[0] in ENTRY_POINTS
    ]
    assert wrong == []


@pytest.mark.slow
def test_no_app_imports_a_private_name_of_another():
    modules = read_modules(SRC, "ganglioside")
    wrong = []
    for name, module in modules.items():
        own = app_of(name)
        if own is None:
            continue
        for node in _run_time_nodes(module.tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            target = _from_target(module, node)
            other = app_of(target + ".x")
            private = [a.name for a in node.names if a.name.startswith("_")]
            if other and other != own and private:
                wrong.append(f"{name}: from {target} import {', '.join(private)}")
    assert wrong == []


def test_the_checks_see_a_wrong_way_import():
    assert app_of("ganglioside.web.methods.forms") == "methods"
    assert app_of("ganglioside.web.dispatch") is None
    assert app_of("ganglioside.web.common.api") == "common"
    assert "analyses" not in MAY_IMPORT["methods"] and "studies" not in MAY_IMPORT["analyses"]

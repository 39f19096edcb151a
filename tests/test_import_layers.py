"""Import layers: the core never imports the web stack, and no two modules import each other.

The cycle check reads the source (it imports nothing): every ``import`` of every module of the
``ganglioside`` package, function-local ones included (they only hide a cycle until the
function runs), relative ones resolved.  Two rules keep packages from counting as cycles with
their own modules:

* A name taken from a package (``from ganglioside import InputError``, or
  ``ganglioside.analyze`` after ``import ganglioside``) counts as an import of the module the
  package's ``__init__`` re-exports it from (``ganglioside.errors``, ``ganglioside.pipeline``).
* A module's import of one of its own parent packages is left out once re-exports are resolved
  (what is left is a name defined in that ``__init__`` itself, like ``__version__``; Python
  loads the parent before the module anyway).  A package importing its own modules counts.

Imports under ``if TYPE_CHECKING:`` are left out: they never run.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
WEB = ("django", "celery", "channels", "rest_framework")


def web_modules_loaded_after(code: str) -> str:
    """Run ``code`` in a fresh interpreter; the web modules it left loaded, comma separated."""
    probe = code + f"\nprint(','.join(m for m in {WEB!r} if m in __import__('sys').modules))\n"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return out.stdout.strip()


def test_importing_ganglioside_loads_no_django_celery_or_channels():
    assert web_modules_loaded_after("import ganglioside\nganglioside.analyze") == ""


@pytest.mark.slow
def test_running_an_analysis_loads_no_web_stack():
    code = (
        "import ganglioside\n"
        "from importlib.resources import files\n"
        "ganglioside.analyze(str(files('ganglioside') / 'data' / 'five_standards.csv'))"
    )
    assert web_modules_loaded_after(code) == ""


# -- the import graph ---------------------------------------------------------------------------


@dataclass
class Module:
    name: str
    tree: ast.Module
    is_package: bool

    @property
    def package(self) -> str:
        """The package relative imports start from."""
        return self.name if self.is_package else self.name.rpartition(".")[0]


def read_modules(src: Path, top: str) -> dict[str, Module]:
    """Every module of the package ``top`` under ``src``, by dotted name."""
    modules = {}
    for path in sorted((src / top).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        modules[".".join(parts)] = Module(".".join(parts), tree, is_package)
    return modules


def _run_time_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node of ``tree`` except the bodies of ``if TYPE_CHECKING:``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                yield child
                yield from _run_time_nodes(child)
            continue
        yield node
        yield from _run_time_nodes(node)


def _from_target(module: Module, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.package.split(".")
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _reexports(module: Module) -> dict[str, tuple[str, str | None]]:
    """Names a package's ``__init__`` imports: name -> (module, name there or None)."""
    found: dict[str, tuple[str, str | None]] = {}
    for node in module.tree.body:
        if isinstance(node, ast.ImportFrom):
            target = _from_target(module, node)
            for alias in node.names:
                found[alias.asname or alias.name] = (target, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    found[alias.asname] = (alias.name, None)
    return found


def resolve(modules: dict[str, Module], target: str, name: str | None, depth: int = 0) -> str:
    """The module that ``from target import name`` really depends on."""
    if name is None:
        return target
    if f"{target}.{name}" in modules:
        return f"{target}.{name}"
    package = modules.get(target)
    if package is not None and package.is_package and depth < 20:
        origin = _reexports(package).get(name)
        if origin is not None and origin[0] in modules:
            return resolve(modules, origin[0], origin[1], depth + 1)
    return target


def _imports(modules: dict[str, Module], module: Module) -> Iterator[tuple[str, str | None]]:
    """(module, name) pairs ``module`` imports; name None for a whole module."""
    bound: dict[str, str] = {}  # ``import x`` / ``import x as y``: local name -> module
    for node in _run_time_nodes(module.tree):
        if isinstance(node, ast.ImportFrom):
            target = _from_target(module, node)
            for alias in node.names:
                yield target, (None if alias.name == "*" else alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None
                if alias.asname or "." not in alias.name:
                    bound[alias.asname or alias.name] = alias.name
    # ``import ganglioside`` then ``ganglioside.analyze``: the module ``analyze`` comes from.
    for node in _run_time_nodes(module.tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in bound
        ):
            yield bound[node.value.id], node.attr


def import_graph(modules: dict[str, Module]) -> dict[str, set[str]]:
    """Module -> the modules of the package it imports (see the module docstring's rules)."""
    graph: dict[str, set[str]] = {}
    for name, module in modules.items():
        edges = set()
        for target, imported in _imports(modules, module):
            if target not in modules and not any(m.startswith(target + ".") for m in modules):
                continue  # another distribution
            dependency = resolve(modules, target, imported)
            while dependency not in modules and "." in dependency:
                dependency = dependency.rpartition(".")[0]
            if (
                dependency in modules
                and dependency != name
                and not name.startswith(dependency + ".")
            ):
                edges.add(dependency)
        graph[name] = edges
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (``[a, b, ..., a]``) per group of modules that import each other."""
    cycles = []
    for group in _strongly_connected(graph):
        if len(group) > 1:
            cycles.append(_a_cycle_through(min(group), graph, group))
    return sorted(cycles)


def _strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    # Tarjan's algorithm, iterative (no recursion limit to mind).
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            advanced = False
            for succ in successors:
                if succ not in index:
                    index[succ] = low[succ] = len(index)
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(sorted(graph.get(succ, ())))))
                    advanced = True
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                groups.append(group)
    return groups


def _a_cycle_through(start: str, graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """The shortest path from ``start`` back to itself inside ``group``."""
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for succ in sorted(graph[node] & group):
                if succ == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [start, *reversed(path[:-1]), start]
                if succ not in came_from:
                    came_from[succ] = node
                    following.append(succ)
        frontier = following
    return sorted(group)  # not reached: a strongly connected group has a cycle


@pytest.mark.slow
def test_no_two_modules_of_the_package_import_each_other():
    graph = import_graph(read_modules(SRC, "ganglioside"))
    assert len(graph) > 50  # the whole package was read
    cycles = import_cycles(graph)
    groups = [sorted(g) for g in _strongly_connected(graph) if len(g) > 1]
    assert cycles == [], "import cycles:\n" + "\n".join(
        f"{' -> '.join(cycle)}  (together: {', '.join(group)})"
        for cycle, group in zip(cycles, sorted(groups), strict=True)
    )


@pytest.mark.slow
def test_the_web_app_imports_run_one_way():
    graph = import_graph(read_modules(SRC, "ganglioside"))
    web = "ganglioside.web.analyses."
    # Services never import the entry points (views, tasks) nor the executor's callers.
    for name, edges in graph.items():
        if name.startswith(web + "services"):
            assert not {e for e in edges if e.startswith(web + "api")}, name
            assert web + "views_pages" not in edges and web + "tasks" not in edges, name
    assert web + "tasks" not in graph[web + "execution"]
    assert web + "execution" not in graph[web + "services.running"]


# -- the checker, on packages made for it -------------------------------------------------------


def _package(tmp_path: Path, files: dict[str, str]) -> dict[str, set[str]]:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return import_graph(read_modules(tmp_path, "pkg"))


def test_the_checker_names_a_cycle_hidden_in_a_function(tmp_path):
    graph = _package(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from . import b\n",
            "pkg/b.py": "def later():\n    from pkg.c import x\n",
            "pkg/c.py": "from .a import y\nx = 1\n",
            "pkg/d.py": "import pkg.a\n",
        },
    )
    assert graph["pkg.b"] == {"pkg.c"}
    assert import_cycles(graph) == [["pkg.a", "pkg.b", "pkg.c", "pkg.a"]]


def test_the_checker_follows_re_exports_and_leaves_packages_with_their_modules(tmp_path):
    graph = _package(
        tmp_path,
        {
            "pkg/__init__.py": "from .errors import Oops\nfrom .run import go\n__version__ = '1'\n",
            "pkg/errors.py": "class Oops(Exception):\n    pass\n",
            "pkg/run.py": "from pkg import Oops, __version__\nimport pkg\npkg.go\n",
            "pkg/sub/__init__.py": "from ..run import go as start\n",
            "pkg/sub/use.py": "import pkg.sub as s\ns.start\nfrom ..sub import start\n",
        },
    )
    assert graph["pkg.run"] == {"pkg.errors"}  # Oops resolved; __version__ and go: own package
    assert graph["pkg"] == {"pkg.errors", "pkg.run"}
    assert graph["pkg.sub.use"] == {"pkg.run"}  # through sub's re-export of run.go
    assert import_cycles(graph) == []


def test_the_checker_finds_a_cycle_through_a_package_init(tmp_path):
    graph = _package(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/one.py": "from .two import f\n",
            "pkg/two/__init__.py": "from .impl import f\n",
            "pkg/two/impl.py": "from pkg import one\n\ndef f():\n    pass\n",
            "pkg/typed.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from . import one\n",
        },
    )
    assert graph["pkg.typed"] == set()
    assert import_cycles(graph) == [["pkg.one", "pkg.two.impl", "pkg.one"]]

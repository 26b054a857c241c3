"""No module of the package imports itself back, however indirectly and however lazily.

A cycle hidden in a function (``from .services import SERVICES`` inside ``__init_subclass__``) or
behind ``TYPE_CHECKING`` still ties two modules into one: neither can be understood, tested or
moved without the other, and a cycle that works today by import order breaks on the next
reordering. The imports are read as tests/test_layers.py reads them (module-level, function-level
and ``TYPE_CHECKING`` ones, relative or absolute), resolved to the module they load: ``from . import
x`` is the submodule ``x`` when there is one, otherwise the package itself (its ``__init__`` must
have run). Importing a submodule also runs its parents' ``__init__``, but Python has always
started those before the submodule runs, so that is not counted as an edge.
"""

from __future__ import annotations

import itertools
from collections import defaultdict, deque
from collections.abc import Iterable

from test_layers import PACKAGE, Import, _imports, _module_name

#: module → {imported module: first line}.
Graph = dict[str, dict[str, int]]


def _resolve(target: str, modules: set[str]) -> str | None:
    """The module ``target`` names: itself, or the longest enclosing module (``a.b.name`` → ``a.b``)."""
    while target and target not in modules:
        target = target.rpartition(".")[0]
    return target or None


def import_graph(imports: Iterable[Import], modules: set[str]) -> Graph:
    graph: Graph = defaultdict(dict)
    for imp in imports:
        # `from p import x`: the submodule p.x when there is one, else a name of p (p must have run).
        names = [f"{imp.target}.{name}" for name in imp.names] or [imp.target]
        for target in names:
            found = target if target in modules else _resolve(imp.target, modules)
            if found is not None and found != imp.module:
                graph[imp.module].setdefault(found, imp.line)
    return graph


def cycles(graph: Graph) -> list[list[str]]:
    """One shortest cycle through each strongly connected group of modules (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, {}))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, {})))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
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
                if len(group) > 1:
                    groups.append(group)
    return [_shortest_cycle(graph, group) for group in groups]


def _shortest_cycle(graph: Graph, group: set[str]) -> list[str]:
    start = min(group)
    came_from: dict[str, str] = {}
    todo = deque([start])
    while todo:
        node = todo.popleft()
        for child in sorted(graph.get(node, {})):
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [*reversed(path), start]
            if child in group and child not in came_from:
                came_from[child] = node
                todo.append(child)
    raise AssertionError(f"no cycle through {start}")  # pragma: no cover - a group always has one


def render(graph: Graph, cycle: list[str]) -> str:
    steps = [f"{a} (line {graph[a][b]})" for a, b in itertools.pairwise(cycle)]
    return " -> ".join([*steps, cycle[-1]])


def _package() -> tuple[list[Import], set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    return [imp for path in paths for imp in _imports(path)], {_module_name(p) for p in paths}


def test_no_module_imports_itself_back() -> None:
    imports, modules = _package()
    graph = import_graph(imports, modules)
    found = [render(graph, cycle) for cycle in cycles(graph)]
    assert found == [], "import cycles:\n  " + "\n  ".join(found)


def test_the_checker_sees_lazy_type_checking_and_package_cycles() -> None:
    """The check is only as good as its graph: each kind of hidden cycle must be found."""
    modules = {"p", "p.a", "p.b", "p.c", "p.links", "p.links.shape", "p.links.builder"}
    lazy = [Import("p.a", "p.b", 3), Import("p.b", "p", 40, ("a",))]  # line 40: inside a function
    graph = import_graph(lazy, modules)
    assert [render(graph, c) for c in cycles(graph)] == ["p.a (line 3) -> p.b (line 40) -> p.a"]
    three = [Import("p.a", "p.b", 1), Import("p.b", "p.c", 1), Import("p.c", "p.a", 9, ("Thing",))]
    assert cycles(import_graph(three, modules)) == [["p.a", "p.b", "p.c", "p.a"]]
    # `from . import register` in a shape module needs the package's __init__, which imports the shape
    package = [
        Import("p.links", "p.links", 1, ("shape",)),
        Import("p.links.shape", "p.links", 5, ("register",)),
    ]
    assert cycles(import_graph(package, modules)) == [["p.links", "p.links.shape", "p.links"]]
    # ... while `from . import builder` (a submodule) is not a cycle, nor a module's own package
    fine = [
        Import("p.links", "p.links", 1, ("shape",)),
        Import("p.links.shape", "p.links", 5, ("builder",)),
        Import("p.links.builder", "p.a", 2),
    ]
    assert cycles(import_graph(fine, modules)) == []

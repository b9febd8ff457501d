"""No import cycle among annotator's modules.

The graph is grimp's (installed with import-linter): every import of one
annotator module by another, at module level, inside a function (a lazy import)
or under ``if TYPE_CHECKING:``. All count. A lazy import still makes the
importer depend on the module at run time, and a TYPE_CHECKING import is a
dependency of the declared interface; a cycle through either is the tangle this
test exists to keep out (main_window ↔ app, help, preferences, review_menu,
suggestions, review was one, broken by ui/window_base.py, ui/qapp.py and the
action registry of ui/actions.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import grimp
import pytest


def strongly_connected(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components of more than one node (or a self-loop).

    Iterative, so that a long chain of imports cannot exhaust the recursion limit.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, list[str]]] = []
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        work.append((root, sorted(graph[root])))
        while work:
            node, todo = work[-1]
            if todo:
                child = todo.pop()
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, sorted(graph.get(child, ()))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph[node]:
                    found.append(sorted(component))
    return found


def test_strongly_connected_finds_cycles() -> None:
    graph = {
        "a": {"b"},
        "b": {"c"},
        "c": {"a", "d"},
        "d": set(),
        "e": {"e"},
        "f": {"d"},
    }
    assert sorted(strongly_connected(graph)) == [["a", "b", "c"], ["e"]]
    assert strongly_connected({"x": {"y"}, "y": set()}) == []


def describe(graph: grimp.ImportGraph, component: list[str]) -> str:
    """The component and the lines that import inside it."""
    lines = [" ↔ ".join(component)]
    for importer in component:
        for imported in component:
            for detail in graph.get_import_details(importer=importer, imported=imported):
                lines.append(
                    f"    {importer}:{detail['line_number']}  {detail['line_contents'].strip()}"
                )
    return "\n".join(lines)


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("annotator", cache_dir=None)


def test_no_import_cycle(graph: grimp.ImportGraph) -> None:
    imports = {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}
    cycles = strongly_connected(imports)
    assert not cycles, "import cycles:\n" + "\n".join(describe(graph, c) for c in cycles)


def test_the_graph_sees_lazy_and_type_checking_imports(graph: grimp.ImportGraph) -> None:
    """The test above would prove little if these imports were not in its graph."""
    lazy = graph.get_import_details(
        importer="annotator.ui.main_window", imported="annotator.ui.preferences"
    )
    assert lazy, "main_window imports preferences inside a method"
    typing_only = graph.get_import_details(
        importer="annotator.ui.window_base", imported="annotator.app.project"
    )
    assert typing_only, "window_base imports Project under TYPE_CHECKING"

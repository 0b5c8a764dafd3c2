"""The project's modules import one another without cycles, counting imports made inside
functions (which import-linter's layers contract sees too, but only between layers)."""

import grimp

PROJECT_PACKAGES = ("bcsp_site", "publications", "authors", "comments", "newsletter")


def strongly_connected(graph, modules):
    """Groups of modules that import one another in a cycle (Tarjan's algorithm)."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module) & modules:
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for module in sorted(modules):
        if module not in index:
            visit(module)
    return groups


def test_no_import_cycles_between_project_modules():
    graph = grimp.build_graph(*PROJECT_PACKAGES, include_external_packages=False)
    modules = {module for module in graph.modules if ".migrations" not in module}
    assert strongly_connected(graph, modules) == []


def test_a_cycle_is_found():
    graph = grimp.ImportGraph()
    for module in ("a", "a.one", "a.two", "a.three"):
        graph.add_module(module)
    graph.add_import(importer="a.one", imported="a.two")
    graph.add_import(importer="a.two", imported="a.one")
    graph.add_import(importer="a.three", imported="a.one")
    assert strongly_connected(graph, set(graph.modules)) == [["a.one", "a.two"]]

"""The structure ARCHITECTURE.md describes: every module of the site in a layer of the
import-linter contract, no import cycles between project modules (counting imports made
inside functions, which the contract sees only between layers), and almost no imports of
project modules hidden inside functions."""

import ast
import pkgutil
import tomllib
from pathlib import Path

import grimp

import bcsp_site

ROOT = Path(__file__).resolve().parent.parent

PROJECT_PACKAGES = ("bcsp_site", "reading", "publications", "authors", "comments", "newsletter")


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


def test_every_module_of_the_site_is_in_a_layer():
    """The top layer is named module by module (core and caching live inside the same
    package), so a new module must be added to the contract to be checked."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = next(c for c in config["contracts"] if c["type"] == "layers")["layers"]
    named = {name.strip() for layer in layers for name in layer.split(":")}
    modules = {
        f"bcsp_site.{module.name}"
        for module in pkgutil.iter_modules(bcsp_site.__path__)
        if module.name != "migrations"
    }
    assert modules - named == set()


def function_level_imports():
    """(file, line) of each import of a project module made inside a function."""
    found = []
    for package in PROJECT_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for function in ast.walk(ast.parse(path.read_text())):
                if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                for node in ast.walk(function):
                    if isinstance(node, ast.ImportFrom):
                        names = [node.module or ""] if not node.level else [PROJECT_PACKAGES[0]]
                    elif isinstance(node, ast.Import):
                        names = [alias.name for alias in node.names]
                    else:
                        continue
                    if any(name.split(".")[0] in PROJECT_PACKAGES for name in names):
                        found.append((path, node.lineno))
    return found


def test_imports_inside_functions_are_few_and_say_why():
    found = function_level_imports()
    assert len(found) <= 5, found
    for path, line in found:
        assert "#" in path.read_text().splitlines()[line - 1], f"{path}:{line} says no reason"

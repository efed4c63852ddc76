"""The map of the code holds: imports run one way (faces -> tasks -> jobs -> lib ->
models) with no circle, and modules, functions, tasks and views stay small enough to read.
What docs/architecture.md promises, checked by reading the source."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "articles"
LAYERS = {
    "models": 0, "lib": 1,
    "ingest": 2, "images": 2, "fulltext": 2, "search": 2, "moderation": 2, "stories": 2,
    "reads": 2, "discovery": 2, "regions": 2,
    "tasks": 3,
    "site": 4, "admin": 4, "api": 4, "management": 4, "templatetags": 4, "apps": 4,
}  # fmt: skip
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
MAX_TASK_LINES = 12
MAX_VIEW_LINES = 25


def modules() -> dict[str, Path]:
    found = {}
    for path in APP.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        found[name] = path
    return found


MODULES = modules()


def imports_of(path: Path) -> set[str]:
    """The project's modules ``path`` imports, at the top or inside functions alike."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full in MODULES else node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name in MODULES and name != "articles"}


GRAPH = {name: imports_of(path) - {name} for name, path in MODULES.items()}


def layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.get(parts[1]) if len(parts) > 1 else None


def test_the_graph_sees_the_known_arrows() -> None:
    # The checks below read this graph: it must see deferred and package imports.
    assert "articles.ingest.store" in GRAPH["articles.ingest.feeds"]
    assert "articles.moderation.visibility" in GRAPH["articles.apps"]
    assert "articles.models" in GRAPH["articles.ingest.store"]


def test_no_import_goes_back_up() -> None:
    upward = [
        f"{module} -> {target}"
        for module, targets in GRAPH.items()
        for target in targets
        if (layer(module) or 0) < (layer(target) or 0)
        # models may use lib's validators; lib never imports a job or a model's user
        and not (layer(module) == 0 and layer(target) == 1)
    ]
    assert upward == []


def test_lib_imports_no_job() -> None:
    jobs = [
        f"{module} -> {target}"
        for module, targets in GRAPH.items()
        if module.startswith("articles.lib.")
        for target in targets
        if not target.startswith(("articles.lib.", "articles.models"))
    ]
    assert jobs == []


def cycles() -> Iterator[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()

    def visit(node: str) -> Iterator[list[str]]:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in GRAPH[node]:
            if target not in index:
                yield from visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                yield sorted(component)

    for node in GRAPH:
        if node not in index:
            yield from visit(node)


def test_no_import_circle() -> None:
    assert list(cycles()) == []


def test_no_circle_between_packages() -> None:
    def package(module: str) -> str:
        return ".".join(module.split(".")[:2])

    arrows = {
        (package(module), package(target))
        for module, targets in GRAPH.items()
        for target in targets
        if package(module) != package(target)
    }
    assert sorted((a, b) for a, b in arrows if (b, a) in arrows) == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_module_is_small_enough_to_read(module: str) -> None:
    assert len(MODULES[module].read_text().splitlines()) <= MAX_MODULE_LINES


def functions(path: Path) -> Iterator[tuple[ast.FunctionDef, int]]:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            start = min([d.lineno for d in node.decorator_list] or [node.lineno])
            assert node.end_lineno is not None
            yield node, node.end_lineno - start + 1  # type: ignore[misc]


def test_functions_are_short() -> None:
    long = [
        f"{name}:{node.name} ({size} lines)"
        for name, path in MODULES.items()
        for node, size in functions(path)
        if size > MAX_FUNCTION_LINES
    ]
    assert long == []


def decorated_with(node: ast.FunctionDef, names: set[str]) -> bool:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Name) and target.id in names:
            return True
    return False


def test_tasks_are_thin_shells() -> None:
    # Counted from the def line: a task's options may take a few lines of decorator.
    tasks = [n for n, _ in functions(APP / "tasks.py") if decorated_with(n, {"shared_task"})]
    assert len(tasks) >= 5
    sizes = {n.name: (n.end_lineno or 0) - n.lineno + 1 for n in tasks}
    assert {name: size for name, size in sizes.items() if size > MAX_TASK_LINES} == {}


def test_views_are_short() -> None:
    views = [
        (f"{path.name}:{node.name}", size)
        for path in (
            APP / "site" / "views.py",
            APP / "site" / "reports.py",
            APP / "admin" / "views.py",
        )
        for node, size in functions(path)
        if not node.name.startswith("_") and node.col_offset == 0
    ]
    assert len(views) >= 10
    assert [f"{name} ({size})" for name, size in views if size > MAX_VIEW_LINES] == []

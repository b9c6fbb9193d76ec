"""Who may import whom, read from the source with `ast` (every import, at any depth, counts).

- `connectors/` and `classifiers/` never import `review_queue/` (or `monitor/`);
  `review_queue/` never imports `monitor/` or `connectors/`, and from `classifiers/` only
  the typed policy and the interface it rests on (`READS_FROM_CLASSIFIERS`), which import
  nothing but the standard library and pydantic: the queue never loads spaCy or sklearn.
- In `review_queue/`, the core (the modules at its root, `models/`, `migrations/`) imports
  no wing; `casework/`, `oversight/` and `records/` never import `web/`; one wing imports
  another only where `SIBLING_IMPORTS` says so; `web/` may import everything.
- No import circles between `review_queue` modules.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("review_queue", "connectors", "classifiers", "monitor")
WINGS = ("casework", "oversight", "records", "web")
# Wings that build on another wing, with the reason; anything else between wings is refused.
SIBLING_IMPORTS = {
    # A subject access export and an erasure name incidents as casework does (GP-0001).
    ("records", "casework"),
}
# Who each top-level package must never import.
NEVER = {
    "connectors": {"review_queue", "monitor"},
    "classifiers": {"review_queue", "monitor"},
    "review_queue": {"monitor", "connectors", "classifiers"},
}
# The classifiers modules the review queue may read, despite NEVER: the typed policy it is
# handed, and the interface module that policy rests on (the category names).
READS_FROM_CLASSIFIERS = frozenset({"classifiers.policy", "classifiers.base"})
# What those modules may import besides each other.
LIGHT_IMPORTS = frozenset({"pydantic"})


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def sources() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            out[module_name(path)] = path
    return out


MODULES = sources()


def imports(name: str, source: str, is_package: bool) -> Iterator[str]:
    """Every module `name` imports; `from pkg import mod` counts as importing `pkg.mod` when it is one."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                here = name.split(".") if is_package else name.split(".")[:-1]
                here = here[: len(here) - (node.level - 1)]
                base = ".".join([*here, base] if base else here)
            yield base
            for alias in node.names:
                if f"{base}.{alias.name}" in MODULES:
                    yield f"{base}.{alias.name}"


def graph(modules: Mapping[str, Path]) -> dict[str, set[str]]:
    return {
        name: set(imports(name, path.read_text(encoding="utf-8"), path.name == "__init__.py"))
        for name, path in modules.items()
    }


def area(module: str) -> str:
    """The area of a review_queue module: "core", or the wing it belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in WINGS else "core"


def layering_problems(edges: Mapping[str, set[str]]) -> list[str]:
    problems = []
    for importer, imported in sorted(edges.items()):
        top = importer.split(".")[0]
        for target in sorted(imported):
            allowed = top == "review_queue" and target in READS_FROM_CLASSIFIERS
            if target.split(".")[0] in NEVER.get(top, set()) and not allowed:
                problems.append(f"{importer} imports {target}")
            if top != "review_queue" or not target.startswith("review_queue."):
                continue
            here, there = area(importer), area(target)
            if here == there or there == "core" or here == "web":
                continue
            if here == "core":
                problems.append(f"{importer} (core) imports the {there} wing: {target}")
            elif there == "web":
                problems.append(f"{importer} ({here}) imports web: {target}")
            elif (here, there) not in SIBLING_IMPORTS:
                problems.append(f"{importer} ({here}) imports the {there} wing: {target}")
    return problems


def cycles(edges: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in edges:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_nothing_imports_upward() -> None:
    assert layering_problems(graph(MODULES)) == []


def test_what_the_review_queue_reads_from_classifiers_needs_only_the_standard_library_and_pydantic() -> None:
    edges = graph({name: MODULES[name] for name in READS_FROM_CLASSIFIERS})
    heavy = {
        f"{importer} imports {target}"
        for importer, targets in edges.items()
        for target in targets
        if target not in READS_FROM_CLASSIFIERS
        and target != "classifiers"
        and target != "__future__"
        and target.split(".")[0] not in sys.stdlib_module_names
        and target.split(".")[0] not in LIGHT_IMPORTS
    }
    assert heavy == set()


def test_no_review_queue_modules_import_each_other_in_a_circle() -> None:
    edges = {
        name: {t for t in targets if t.startswith("review_queue")}
        for name, targets in graph(MODULES).items()
        if name.startswith("review_queue")
    }
    # A package's __init__ importing its own modules (review_queue.web) is not a circle.
    for name in edges:
        edges[name] = {t for t in edges[name] if not name.startswith(f"{t}.")}
    assert cycles(edges) == []


@pytest.mark.parametrize(
    ("importer", "source", "problem"),
    [
        ("review_queue.queue", "from review_queue.casework import incidents", "(core) imports the casework"),
        ("review_queue.models.core", "import review_queue.web.views", "(core) imports the web"),
        ("review_queue.oversight.digest", "from review_queue.web import views", "(oversight) imports web"),
        ("review_queue.casework.incidents", "from ..web.views import item_detail", "(casework) imports web"),
        ("review_queue.casework.letters", "from review_queue.records import privacy", "the records wing"),
        ("review_queue.store", "def f():\n    from monitor import build", "imports monitor"),
        ("connectors.rss.connector", "from review_queue.models import Post", "imports review_queue"),
        ("classifiers.rules", "import review_queue.db", "imports review_queue"),
        ("review_queue.queue", "from classifiers.pipeline import Pipeline", "imports classifiers.pipeline"),
        ("review_queue.web.views", "import classifiers.model", "imports classifiers.model"),
        ("review_queue.alerts", "from connectors.base import Post", "imports connectors"),
    ],
)
def test_the_layering_check_catches_an_upward_import(importer: str, source: str, problem: str) -> None:
    edges = {importer: set(imports(importer, source, is_package=False))}
    found = layering_problems(edges)
    assert any(problem in p for p in found), found


def test_the_circle_check_catches_a_circle() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(edges) == [["a", "b", "c"]]

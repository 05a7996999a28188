"""The layering the README describes holds: shared low layers import no domain, each domain
imports only those below it, and no two packages import each other (read from the source, so a
new import that breaks it fails here, not in review)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "elearning"

# Lower layers first; a unit may import its own layer's units only where listed, and anything
# in a lower layer. Units are the packages and the modules at the package's top.
LAYERS = [
    {"config", "sqltypes", "names", "codes", "i18n"},
    {"extensions", "content", "pdf", "mail", "jobs"},
    {"web", "audit", "catalog", "outbox", "ratelimits"},
    {"accounts"},
    {"learning"},
    {"assessments"},
    {"certificates"},
    {"cohorts"},
    {"admin", "site", "demo"},
    {"cli", "models", "wsgi", "__init__"},
]
# Imports within one layer that are part of the design (the rest of a layer is independent).
WITHIN_LAYER = {
    ("extensions", "config"),
    ("jobs", "config"),
    ("catalog", "content"),
    ("outbox", "jobs"),
    ("outbox", "mail"),
    ("web", "extensions"),
    ("__init__", "models"),  # the app factory: every model, for the metadata
    ("cli", "__init__"),
    ("cli", "wsgi"),
    ("wsgi", "__init__"),
}


def _unit(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def _target(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "elearning":
        return None
    if len(parts) == 1:
        return "__init__"
    is_module = (PACKAGE / parts[1]).is_dir() or (PACKAGE / f"{parts[1]}.py").is_file()
    return parts[1] if is_module else "__init__"  # from elearning import create_app


def _runtime_imports(tree: ast.Module):
    """Every import, except those under ``if TYPE_CHECKING:`` (annotations only)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(child) for body in node.body for child in ast.walk(body))
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "elearning":  # from elearning import codes, jobs
                yield from (f"elearning.{alias.name}" for alias in node.names)
            else:
                yield node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def _edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        source = _unit(path)
        for module in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            target = _target(module)
            if target and target != source:
                edges.setdefault(source, set()).add(target)
    return edges


def _layer_of(unit: str) -> int:
    for index, layer in enumerate(LAYERS):
        if unit in layer:
            return index
    raise AssertionError(f"elearning/{unit} is in no layer of tests/test_architecture.py")


def test_every_import_goes_down_the_layers():
    wrong = []
    for source, targets in sorted(_edges().items()):
        for target in sorted(targets):
            below = _layer_of(target) < _layer_of(source)
            if not below and (source, target) not in WITHIN_LAYER:
                wrong.append(f"{source} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_no_two_packages_import_each_other():
    edges = _edges()
    cycles = []

    def visit(unit: str, path: list[str]) -> None:
        for target in sorted(edges.get(unit, ())):
            if target in path:
                cycle = path[path.index(target) :] + [target]
                if cycle[0] == min(cycle[:-1]):
                    cycles.append(" → ".join(cycle))
            else:
                visit(target, [*path, target])

    for unit in sorted(edges):
        visit(unit, [unit])
    assert not cycles, "\n".join(sorted(set(cycles)))


def test_admin_and_site_are_imported_by_nobody_but_the_app():
    importers = {
        source
        for source, targets in _edges().items()
        if targets & {"admin", "site"} and source not in {"__init__", "cli", "models"}
    }
    assert not importers, importers

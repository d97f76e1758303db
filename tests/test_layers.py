"""The import rules of docs/architecture.md: layers, no cycles, Django-free modules.

Read from the source (ast), so a rule holds for code that is never imported by
a test. Imports under ``if TYPE_CHECKING:`` are for annotations only and do not
count.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

from tests.conftest import ROOT

SRC = ROOT / "src"

FOUNDATION = "foundation"
MODELS = "models"
SERVICES = "services"
CALLERS = "callers"
ENTRY = "entry points"
ORDER = {FOUNDATION: 0, MODELS: 1, SERVICES: 2, CALLERS: 3, ENTRY: 4}

# Plain Python that any layer may use; the first group imports no Django at all.
DJANGO_FREE = (
    "clearcrm.addresses",
    "clearcrm.own_mail",
    "clearcrm.inbound.parse",
    "clearcrm.inbound.extract",
    "clearcrm.inbound.machine_mail",
    "clearcrm.inbound.imap",
)
FOUNDATION_MODULES = (
    *DJANGO_FREE,
    "clearcrm.fields",
    "clearcrm.datadir",
    "clearcrm.inbound.crypto",
    "clearcrm.inbound.safe_regex",
)
# The callers, by package; each may use the layers below, never one it is listed against.
CALLER_PACKAGES = ("clearcrm.inbound", "clearcrm.web", "clearcrm.api", "clearcrm.worker")
CALLERS_MAY_NOT_IMPORT = {
    "clearcrm.inbound": ("clearcrm.web", "clearcrm.api", "clearcrm.worker"),
    "clearcrm.web": ("clearcrm.api",),
    "clearcrm.api": ("clearcrm.web",),
    "clearcrm.worker": ("clearcrm.web", "clearcrm.api"),
}
ENTRY_MODULES = ("clearcrm.settings", "clearcrm.urls", "clearcrm.wsgi", "clearcrm.cli",
                 "clearcrm.__main__")  # fmt: skip


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def layer_of(module: str) -> str:
    parts = module.split(".")
    if any(within(module, m) for m in FOUNDATION_MODULES):
        return FOUNDATION
    if module in ENTRY_MODULES or "management" in parts or parts[-1] == "admin":
        return ENTRY
    if parts[-1] in ("models", "apps", "signals") or "migrations" in parts:
        return MODELS
    if parts[-1] == "services" or module == "clearcrm.notifications.send":
        return SERVICES
    if any(within(module, p) for p in CALLER_PACKAGES):
        return CALLERS
    if len(parts) <= 2:  # clearcrm and the apps' packages (empty __init__ modules)
        return FOUNDATION
    raise AssertionError(f"{module}: no layer; add it to the rules in tests/test_layers.py")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(tree: ast.AST) -> Iterable[ast.Import | ast.ImportFrom]:
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The clearcrm modules a file imports at run time."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in _runtime_imports(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from package import module` imports the module.
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                       for a in node.names]  # fmt: skip
        found.update(t for t in targets if t == "clearcrm" or t.startswith("clearcrm."))
    return found - {name}


def import_graph() -> dict[str, set[str]]:
    files = [p for p in SRC.rglob("*.py") if "migrations" not in p.parts]
    modules = {module_name(p) for p in files}
    return {module_name(p): imports_of(p, modules) for p in files}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def app_of(module: str) -> str:
    return ".".join(module.split(".")[:2])


def app_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    apps: dict[str, set[str]] = {}
    for module, targets in graph.items():
        apps.setdefault(app_of(module), set()).update(
            app_of(t) for t in targets if app_of(t) != app_of(module)
        )
    return apps


def layer_violations(graph: dict[str, set[str]]) -> list[str]:
    wrong = []
    for module, targets in sorted(graph.items()):
        layer = layer_of(module)
        for target in sorted(targets):
            target_layer = layer_of(target)
            if layer != ENTRY and ORDER[target_layer] > ORDER[layer]:
                wrong.append(f"{module} ({layer}) imports {target} ({target_layer})")
            for package, forbidden in CALLERS_MAY_NOT_IMPORT.items():
                if layer == CALLERS and within(module, package):
                    wrong.extend(
                        f"{module} imports {target}, of {other}"
                        for other in forbidden
                        if within(target, other)
                    )
    return wrong


# --------------------------------------------------------------------------- the rules


def test_no_module_imports_a_higher_layer():
    assert layer_violations(import_graph()) == []


def test_no_import_cycles_between_modules():
    assert cycles(import_graph()) == []


def test_no_import_cycles_between_apps():
    assert cycles(app_graph(import_graph())) == []


@pytest.mark.parametrize("module", DJANGO_FREE)
def test_django_free_modules_import_no_django(module):
    code = (
        f"import sys, {module}\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


# --------------------------------------------------------------------------- the checker


def test_the_checker_finds_a_cycle_and_a_lower_layer_importing_a_higher_one():
    graph = {
        "clearcrm.leads.models": {"clearcrm.leads.services"},
        "clearcrm.leads.services": {"clearcrm.leads.models"},
        "clearcrm.tasks.services": {"clearcrm.inbound.importer"},
        "clearcrm.inbound.importer": {"clearcrm.worker.tasks", "clearcrm.leads.services"},
        "clearcrm.worker.tasks": {"clearcrm.inbound.importer"},
        "clearcrm.inbound.parse.core": set(),
    }
    assert cycles(graph) == [
        ["clearcrm.leads.models", "clearcrm.leads.services"],
        ["clearcrm.inbound.importer", "clearcrm.worker.tasks"],
    ]
    assert layer_violations(graph) == [
        "clearcrm.inbound.importer imports clearcrm.worker.tasks, of clearcrm.worker",
        "clearcrm.leads.models (models) imports clearcrm.leads.services (services)",
        "clearcrm.tasks.services (services) imports clearcrm.inbound.importer (callers)",
    ]
    assert layer_of("clearcrm.api.views") == CALLERS
    assert layer_of("clearcrm.worker.management.commands.listen") == ENTRY

"""Architecture rules, checked on the source's syntax tree.

* The pure layers (``domain``, ``xml``, ``crypto``, ``store``, ``inbox``) import no web framework:
  flask, werkzeug and marshmallow belong to the HTTP edge only.
* ``domain`` reads time only from the injected clock and randomness only from the
  seeded generator in ``Services``: no ``datetime.now``/``utcnow``, ``uuid4`` or ``random``.
* ``traffic`` (faults, limiter, journal) is pure too: the Flask adapter is ``http/traffic_edge.py``.
* Packages and top-level modules form layers (:data:`LAYERS`): a module imports only its
  own layer and the ones below, and the import graph between them has no cycle but the
  ones listed in :data:`KNOWN_CYCLES`, which may only shrink.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mock_ksef"
PURE_LAYERS = ("domain", "xml", "crypto", "store", "inbox", "traffic")
WEB_FRAMEWORKS = frozenset({"flask", "werkzeug", "marshmallow"})
#: The edge of the application, which the pure layers must not reach back into.
EDGE_MODULES = (
    "mock_ksef.http",
    "mock_ksef.admin",
    "mock_ksef.dashboard",
    "mock_ksef.app",
    "mock_ksef.threaded_server",
    "mock_ksef.cli",
)
#: ``datetime.now()`` and friends: real time. (``clock.now()`` is the injected clock.)
REAL_TIME = frozenset({"now", "utcnow", "today"})
TIME_TYPES = frozenset({"datetime", "date"})
UUIDS = frozenset({"uuid1", "uuid4"})
IMPURE_MODULES = frozenset({"random", "uuid", "secrets"})


def _sources(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


def _ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(PACKAGE.parent)) for p in paths]


def _imported_modules(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, top-level module) of every import, relative imports excluded."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module.split(".")[0]


def _full_imports(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, full dotted module) of every absolute import."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def _impurities(tree: ast.AST) -> Iterator[str]:
    """Uses of real time, uuid or the random/secrets modules."""
    for line, module in _imported_modules(tree):
        if module in IMPURE_MODULES:
            yield f"line {line}: imports {module}"
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "uuid":
            yield f"line {node.lineno}: imports from uuid"
        if isinstance(node, ast.Attribute):
            owner = _name_of(node.value)
            if node.attr in REAL_TIME and owner in TIME_TYPES:
                yield f"line {node.lineno}: uses {owner}.{node.attr}"
            if node.attr in UUIDS:
                yield f"line {node.lineno}: uses .{node.attr}"
        if isinstance(node, ast.Name) and node.id in IMPURE_MODULES:
            yield f"line {node.lineno}: uses {node.id}"


def _name_of(node: ast.expr) -> str:
    """The last name in ``a.b.c`` (``c``), or the name itself; empty for anything else."""
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def test_layers_exist() -> None:
    """The checked folders are where the rules expect them (a rename must update this test)."""
    for layer in PURE_LAYERS:
        assert _sources(layer), f"no sources under mock_ksef/{layer}"


@pytest.mark.parametrize(
    "path",
    [p for layer in PURE_LAYERS for p in _sources(layer)],
    ids=_ids([p for layer in PURE_LAYERS for p in _sources(layer)]),
)
def test_pure_layers_import_no_web_framework(path: Path) -> None:
    """Modules of domain/, xml/, crypto/ and store/ import no flask, werkzeug or marshmallow."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = [f"line {n}: {m}" for n, m in _imported_modules(tree) if m in WEB_FRAMEWORKS]
    assert not found, f"{path.name} imports a web framework: {found}"


@pytest.mark.parametrize(
    "path",
    [p for layer in PURE_LAYERS for p in _sources(layer)],
    ids=_ids([p for layer in PURE_LAYERS for p in _sources(layer)]),
)
def test_pure_layers_do_not_import_the_edge(path: Path) -> None:
    """Pure modules never import the HTTP edge, the admin API, the app, server or CLI."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = [
        f"line {n}: {m}"
        for n, m in _full_imports(tree)
        if any(m == edge or m.startswith(edge + ".") for edge in EDGE_MODULES)
    ]
    assert not found, f"{path.name} imports the edge: {found}"


@pytest.mark.parametrize("path", _sources("domain"), ids=_ids(_sources("domain")))
def test_domain_uses_only_injected_time_and_randomness(path: Path) -> None:
    """Domain modules never read real time (datetime.now/utcnow) nor unseeded randomness."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = list(_impurities(tree))
    assert not found, f"{path.name} is impure: {found}"


class TestTheCheckerItself:
    """The detectors find what they should (a rule that never fires protects nothing)."""

    @pytest.mark.parametrize(
        "source",
        [
            "import flask",
            "from flask import request",
            "import werkzeug.exceptions",
            "from marshmallow.fields import String",
            "def f():\n    import flask",
        ],
    )
    def test_web_imports_are_found(self, source: str) -> None:
        """Plain, dotted, from- and function-local imports of a framework are all seen."""
        assert any(m in WEB_FRAMEWORKS for _, m in _imported_modules(ast.parse(source)))

    @pytest.mark.parametrize(
        "source",
        [
            "from datetime import datetime\nx = datetime.now()",
            "import datetime\nx = datetime.datetime.utcnow()",
            "from datetime import date\nx = date.today()",
            "from uuid import uuid4",
            "import uuid\nx = uuid.uuid4()",
            "import random",
            "from random import choice",
            "def f(rng: random.Random) -> None: ...",
            "import secrets",
        ],
    )
    def test_impurities_are_found(self, source: str) -> None:
        """Real time, uuid and random are caught in every spelling."""
        assert list(_impurities(ast.parse(source)))

    @pytest.mark.parametrize(
        "source",
        [
            "from datetime import datetime, timedelta\nx = clock.now()",
            "x = svc.clock.now() + svc.now()",
            "from flask_like import thing",
            "from . import flask",
        ],
    )
    def test_allowed_code_passes(self, source: str) -> None:
        """The injected clock, relative imports and look-alike names are not false alarms."""
        tree = ast.parse(source)
        assert not any(m in WEB_FRAMEWORKS for _, m in _imported_modules(tree))
        assert not list(_impurities(tree))


#: The layers, lowest first. A package or top-level module of ``mock_ksef`` imports only
#: its own layer and those below it.
LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "foundation",
        frozenset({"timefmt", "clock", "settings", "codec", "ids", "seekable", "lxml_gate"}),
    ),
    (
        "storage and models",
        frozenset({"store", "scenario", "crypto", "batch_files", "batch_parts", "shared_state"}),
    ),
    ("domain", frozenset({"domain", "xml", "tokens", "inbox"})),
    # The bundle the composition root builds the use cases' narrow dependencies from
    # (``domain/deps.py``); the domain never reaches up to it.
    ("services bundle", frozenset({"services"})),
    ("request machinery and operations", frozenset({"traffic", "reset", "upkeep"})),
    ("HTTP edge", frozenset({"http", "admin", "dashboard"})),
    (
        "composition and entry points",
        frozenset(
            {
                "app",
                "request_log",
                "threaded_server",
                "serving",
                "testing",
                "pytest_plugin",
                "cli",
                "cli_health",
                "cli_scenarios",
                "cli_schemas",
                "cli_state",
                "cli_config",
                "log_setup",
                "warm_start",
                "__main__",
            }
        ),
    ),
)
#: Cycles that exist today, each to be broken by its owner; a new cycle fails the test.
#: None is left: domain <-> services went when the use cases took narrow dependencies
#: (:mod:`mock_ksef.domain.deps`), domain <-> xml when ``xml/upo.py`` described what it
#: renders structurally. The package graph must stay acyclic.
KNOWN_CYCLES: tuple[frozenset[str], ...] = ()


def _unit_of(module: str) -> str | None:
    """``mock_ksef.http.error_handlers`` -> ``http``; ``mock_ksef`` itself -> None."""
    parts = module.split(".")
    if parts[0] != "mock_ksef" or len(parts) < 2:
        return None
    return parts[1]


def _unit_of_path(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _unit_graph() -> dict[str, dict[str, list[str]]]:
    """unit -> imported unit -> ``file:line`` of each import (local imports included)."""
    graph: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in sorted(PACKAGE.rglob("*.py")):
        source = _unit_of_path(path)
        if source == "__init__":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, module in _full_imports(tree):
            target = _unit_of(module)
            if target is not None and target != source:
                graph[source][target].append(f"{path.relative_to(PACKAGE.parent)}:{line}")
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[frozenset[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _layer_of(unit: str) -> int:
    for number, (_, units) in enumerate(LAYERS):
        if unit in units:
            return number
    raise AssertionError(f"mock_ksef.{unit} is in no layer: add it to LAYERS")


def test_every_unit_has_a_layer() -> None:
    """Every package and top-level module of mock_ksef is placed in :data:`LAYERS`."""
    units = {_unit_of_path(p) for p in PACKAGE.rglob("*.py")} - {"__init__"}
    for unit in units:
        _layer_of(unit)


def test_imports_go_down_the_layers() -> None:
    """No unit imports a unit of a higher layer (e.g. the edge from traffic or the domain)."""
    upward = [
        f"{src} ({LAYERS[_layer_of(src)][0]}) -> {dst} ({LAYERS[_layer_of(dst)][0]}): {where[0]}"
        for src, targets in _unit_graph().items()
        for dst, where in targets.items()
        if _layer_of(dst) > _layer_of(src)
    ]
    assert not upward, "imports against the layers:\n" + "\n".join(upward)


def test_the_package_graph_has_no_new_cycle() -> None:
    """mock_ksef.<a> -> mock_ksef.<b> is acyclic apart from :data:`KNOWN_CYCLES`."""
    graph = {src: set(targets) for src, targets in _unit_graph().items()}
    new = [sorted(c) for c in _cycles(graph) if not any(c <= known for known in KNOWN_CYCLES)]
    assert not new, f"import cycles between packages: {new}"


class TestTheGraphChecks:
    """The cycle finder and the layer rule see what they should."""

    def test_a_cycle_is_found(self) -> None:
        """a -> b -> c -> a is one component; a lone edge is none."""
        graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
        assert _cycles(graph) == [frozenset({"a", "b", "c"})]
        assert _cycles({"a": {"b"}}) == []

    def test_the_edge_is_above_traffic_and_traffic_above_the_domain(self) -> None:
        """The request path's layers are in the documented order."""
        assert _layer_of("domain") < _layer_of("traffic") < _layer_of("http") < _layer_of("app")

    def test_the_domain_is_below_the_services_bundle(self) -> None:
        """The use cases take narrow dependencies: importing ``Services`` would go upwards."""
        assert _layer_of("domain") < _layer_of("services") < _layer_of("http")


def test_no_domain_module_imports_the_services_bundle() -> None:
    """``mock_ksef.services`` is reached by the edge and the composition root only."""
    found = [
        where
        for unit in ("domain", "xml", "inbox", "tokens")
        for where in _unit_graph().get(unit, {}).get("services", [])
    ]
    assert not found, f"imports of mock_ksef.services below the bundle: {found}"

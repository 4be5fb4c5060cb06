"""Architecture rules, checked on the source's syntax tree.

* The pure layers (``domain``, ``xml``, ``crypto``, ``store``) import no web framework:
  flask, werkzeug and marshmallow belong to the HTTP edge only.
* ``domain`` reads time only from the injected clock and randomness only from the
  seeded generator in ``Services``: no ``datetime.now``/``utcnow``, ``uuid4`` or ``random``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mock_ksef"
PURE_LAYERS = ("domain", "xml", "crypto", "store")
WEB_FRAMEWORKS = frozenset({"flask", "werkzeug", "marshmallow"})
#: The edge of the application, which the pure layers must not reach back into.
EDGE_MODULES = (
    "mock_ksef.http",
    "mock_ksef.admin",
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

"""Store kinds have one home, ``mock_ksef/store/kinds.py``: every module imports them."""

from __future__ import annotations

import ast
from pathlib import Path

from mock_ksef.store import kinds

PACKAGE = Path(__file__).resolve().parents[2] / "mock_ksef"
STORE_CALLS = frozenset({"get", "put", "find", "query", "delete"})
#: Modules that still define kinds of their own (module-level names), each to become one
#: import line from ``kinds.py`` once its owner's branch is merged; may only shrink.
NOT_YET_IMPORTED: dict[str, frozenset[str]] = {}


def _kinds() -> dict[str, str]:
    return {name: value for name, value in vars(kinds).items() if name.isupper()}


def _receiver(node: ast.expr) -> str:
    """``store`` of ``self.sessions.store``, ``_store`` of ``self._store``."""
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def test_kinds_are_distinct() -> None:
    values = list(_kinds().values())
    assert len(values) == len(set(values))


def _string_constants(tree: ast.Module) -> set[str]:
    """Module-level names bound to a string literal (``KIND = "session"``)."""
    return {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def _kind_argument(node: ast.AST) -> ast.expr | None:
    """The first argument of a ``…store.get/put/find/query/delete(…)`` call."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in STORE_CALLS
        and _receiver(node.func.value).endswith("store")
        and node.args
    ):
        return node.args[0]
    return None


def test_no_module_spells_a_kind_itself() -> None:
    """No ``store.get("session", …)``, no ``KIND = "session"`` and no store call on a
    module's own string constant outside ``kinds.py``."""
    known = set(_kinds().values())
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "store" / "kinds.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        allowed = NOT_YET_IMPORTED.get(str(path.relative_to(PACKAGE)), frozenset())
        local = _string_constants(tree) - allowed
        for node in ast.walk(tree):
            kind = _kind_argument(node)
            if isinstance(kind, ast.Name) and kind.id in local:
                found.append(f"{path.relative_to(PACKAGE)}:{kind.lineno}: {kind.id}")
            if isinstance(kind, ast.Constant) and isinstance(kind.value, str):
                found.append(f"{path.relative_to(PACKAGE)}:{kind.lineno}: {kind.value}")
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Constant)
                and node.value.value in known
                and not any(t.id in allowed for t in node.targets if isinstance(t, ast.Name))
                and not any(  # journal.SEQUENCE = "journal" names a sequence, not a kind
                    isinstance(t, ast.Name) and t.id == "SEQUENCE" for t in node.targets
                )
            ):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {node.value.value}")
    assert not found, found

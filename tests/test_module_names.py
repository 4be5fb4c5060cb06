"""Every module of the package has a name of its own: ``auth.py`` in two layers, or
``server.py`` beside ``serving.py``, makes a reader (and a grep) guess which one is meant."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "mock_ksef"


def test_module_basenames_are_unique() -> None:
    where: dict[str, list[str]] = defaultdict(list)
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name != "__init__.py":
            where[path.name].append(str(path.relative_to(PACKAGE)))
    shared = {name: paths for name, paths in where.items() if len(paths) > 1}
    assert not shared, shared


def test_no_module_is_named_like_a_package() -> None:
    """``domain/auth/`` and ``http/auth.py`` would be the same word for two things."""
    packages = {p.name for p in PACKAGE.rglob("*") if p.is_dir() and (p / "__init__.py").exists()}
    modules = {p.stem for p in PACKAGE.rglob("*.py") if p.name != "__init__.py"}
    assert not packages & modules, packages & modules

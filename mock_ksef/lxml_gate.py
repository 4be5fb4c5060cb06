"""``lxml.etree``, loaded on first use behind one gate (``docs/performance.md``, "RSS").

A server worker that only answers JSON (logins, sessions, status reads) never needs
libxml2: lxml and the compiled XSDs cost it about 7 MB. So every module of the mock that
uses lxml imports :data:`etree` from here instead of from ``lxml``: a stand-in whose first
attribute access, in any thread, imports ``lxml.etree`` and runs the warm-ups registered
with :func:`before_first_use` (a worker's XSD compiles), holding the gate's lock. Any
other thread's first access waits for that lock, so **no parse, validation or build runs
while a schema compiles**: an XSD compiled while request threads parsed and validated
invoices failed now and then under load (libxml2 races in schema construction,
``docs/serving.md``, "Cold start"). Then the stand-in takes ``lxml.etree``'s names as its
own attributes, and an access costs what a module attribute does.

``tests/test_lxml_gate.py`` hammers it; ``tests/test_layering.py`` checks that no other
module imports lxml (outside ``TYPE_CHECKING``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any

__all__ = ["before_first_use", "etree", "loaded"]
log = logging.getLogger("mock_ksef")
_lock = threading.RLock()
_warmups: list[Callable[[], None]] = []
_module: ModuleType | None = None
_open = False


class _Etree:
    """Stands in for ``lxml.etree`` until its first use (then holds its names)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(_load(), name)


def _load() -> ModuleType:
    global _module, _open
    with _lock:  # re-entered by a warm-up that uses etree itself: _module is set by then
        if _module is None:
            from lxml import etree as module

            _module = module
            while _warmups:
                warmup = _warmups.pop(0)
                try:
                    warmup()
                except Exception:  # the schema is compiled again (and fails) where it is used
                    log.exception("a warm-up before the first XML use failed")
            vars(etree).update(vars(module))
            _open = True
        return _module


def before_first_use(warmup: Callable[[], None]) -> bool:
    """Run ``warmup`` when lxml is first used in this process, before any other XML work.

    Returns ``False`` (and runs nothing) when lxml is in use already: the caller decides
    what to do then (a server worker compiles on its build thread, before its first
    request, as it did before this gate).
    """
    with _lock:
        if _module is not None:
            return False
        _warmups.append(warmup)
        return True


def loaded() -> bool:
    """Whether lxml has been loaded through the gate (and its warm-ups have run)."""
    return _open


if TYPE_CHECKING:
    from lxml import etree as etree
else:
    etree = _Etree()

"""The official ``AuthTokenRequest`` XSDs (v2.0 and v2.1), loaded from a configured folder.

The XSDs are not part of this repository: they are read from ``Settings.auth_schema_dir``.
Their ``xsd:pattern`` facets are written for .NET regular expressions (``^``/``$``
anchors, ``\\b``), which XSD regular expressions do not have: libxml2 refuses ``\\b``
(v2.0 does not compile at all) and treats ``^``/``$`` as literal characters (so no
``PeppolId`` or ``NipVatUe`` value would ever be valid). Patterns are therefore normalised
in memory before compiling: leading ``^``, trailing ``$`` and ``\\b`` are removed (XSD
patterns are implicitly anchored anyway).
"""

from __future__ import annotations

import copy
import logging
import threading
from pathlib import Path

from mock_ksef.lxml_gate import etree

log = logging.getLogger("mock_ksef")

XSD_NS = "http://www.w3.org/2001/XMLSchema"
#: Namespace of ``AuthTokenRequest`` -> XSD file name.
AUTH_SCHEMA_FILES: dict[str, str] = {
    "http://ksef.mf.gov.pl/auth/token/2.0": "schemat_auth_v2-0.xsd",
    "http://ksef.mf.gov.pl/auth/token/2.1": "schemat_auth_v2-1.xsd",
}


def normalise_pattern(pattern: str) -> str:
    """Turn a .NET-flavoured pattern into an XSD one (drop ``^``, ``$`` and ``\\b``)."""
    if pattern.startswith("^"):
        pattern = pattern[1:]
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1]
    return pattern.replace("\\b", "")


def load_auth_schema(path: Path) -> etree.XMLSchema:
    """Compile one auth XSD with normalised patterns."""
    from mock_ksef.xml.safe import safe_parser

    tree = etree.parse(str(path), parser=safe_parser())
    for facet in tree.iter(f"{{{XSD_NS}}}pattern"):
        facet.set("value", normalise_pattern(facet.get("value", "")))
    return etree.XMLSchema(tree)


def find_auth_schemas(folder: Path | None) -> dict[str, Path]:
    """The auth XSD files (by file name) found in ``folder``, searched recursively."""
    if folder is None or not folder.is_dir():
        return {}
    wanted = set(AUTH_SCHEMA_FILES.values())
    return {path.name: path for path in sorted(folder.rglob("*.xsd")) if path.name in wanted}


class AuthSchemas:
    """Lazily compiled auth XSDs from a folder; ``None`` folder disables validation."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._files = find_auth_schemas(folder)
        self._compiled: dict[str, etree.XMLSchema] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """Whether XSD validation is configured."""
        return self.folder is not None

    def schema_for(self, namespace: str) -> etree.XMLSchema | None:
        """The compiled XSD for ``namespace`` (``None`` when disabled or unknown)."""
        file_name = AUTH_SCHEMA_FILES.get(namespace)
        if self.folder is None or file_name is None:
            return None
        path = self._files.get(file_name, self.folder / file_name)
        with self._lock:
            if namespace not in self._compiled:
                self._compiled[namespace] = load_auth_schema(path)
            return self._compiled[namespace]

    def compile_all(self) -> None:
        """Compile both versions now (a server worker does it before its first XML use)."""
        for namespace in AUTH_SCHEMA_FILES:
            if self.folder is not None and AUTH_SCHEMA_FILES[namespace] in self._files:
                self.schema_for(namespace)

    def errors(self, root: etree._Element) -> list[str]:
        """XSD errors of ``root`` (validated as a copy), empty when valid or disabled."""
        schema = self.schema_for(etree.QName(root).namespace or "")
        if schema is None:
            return []
        try:
            if schema.validate(etree.ElementTree(copy.deepcopy(root))):
                return []
        except etree.XMLSchemaValidateError as exc:  # e.g. unexpanded entity references
            return [str(exc)]
        return [f"{e.line}:{e.column}: {e.message}" for e in schema.error_log]  # type: ignore[attr-defined]


_cache: dict[str, AuthSchemas] = {}
_cache_lock = threading.Lock()


def auth_schemas(folder: str) -> AuthSchemas:
    """The (process-wide, cached) :class:`AuthSchemas` of ``folder``.

    Without a folder this says so at DEBUG only: ``mock-ksef serve`` reports it once, in
    the banner's ``schemas`` line.
    """
    with _cache_lock:
        if folder not in _cache:
            if not folder:
                log.debug(
                    "auth_schema_dir is not set: XAdES AuthTokenRequest documents are "
                    "checked for structure only, without XSD validation"
                )
            _cache[folder] = AuthSchemas(Path(folder) if folder else None)
        return _cache[folder]

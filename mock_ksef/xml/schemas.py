"""Official invoice XSDs: where to find them, and compiling them offline.

The XSDs are not part of this repository. They come from a folder of official schemas
(setting ``schema_dir``, e.g. ``../shared/ksef/spec/invoice-schemas``) searched
recursively, or by default from the FA(3) schemas that the ``ksef-client`` package ships
under the MIT licence. FA(2), FA(3) and FA_RR import ``StrukturyDanych`` and friends by a
remote ``http://crd.gov.pl/...`` URL; a resolver maps each such URL to the file of the same
name found locally, so nothing is ever fetched from the network.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from pathlib import Path
from typing import Any

from mock_ksef.lxml_gate import etree

log = logging.getLogger("mock_ksef")

#: systemCode -> XSD file name.
SCHEMA_FILES: dict[str, str] = {
    "FA (2)": "schemat_FA(2)_v1-0E.xsd",
    "FA (3)": "schemat_FA(3)_v1-0E.xsd",
    "FA_RR (1)": "schemat_FA_RR(1)_v1-1E.xsd",
    "PEF (3)": "Schemat_PEF(3)_v2-1.xsd",
    "PEF_KOR (3)": "Schemat_PEF_KOR(3)_v2-1.xsd",
}


def bundled_schema_dir() -> Path | None:
    """The FA(3) schema folder inside the installed ``ksef-client`` package, if any."""
    # Found without importing ksef_client (its import costs a cold start ~0.1 s).
    spec = importlib.util.find_spec("ksef_client")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        path = Path(location) / "documents" / "fa3" / "schemas"
        if path.is_dir():
            return path
    return None


def _local_resolver(files: dict[str, Path]) -> Any:
    """An lxml resolver mapping any remote ``schemaLocation`` to a local file of that name."""

    class LocalResolver(etree.Resolver):
        def resolve(  # type: ignore[override]
            self, system_url: str, public_id: str, context: object
        ) -> object:
            name = system_url.rsplit("/", 1)[-1]
            if name in files:
                return self.resolve_filename(str(files[name]), context)  # type: ignore[attr-defined]
            return None

    return LocalResolver()


class SchemaRegistry:
    """Finds and lazily compiles the XSD for each form code; thread-safe."""

    def __init__(self, schema_dir: Path | None) -> None:
        self.folder = schema_dir if schema_dir is not None else bundled_schema_dir()
        files = list(self.folder.rglob("*.xsd")) if self.folder and self.folder.is_dir() else []
        self._by_name = {path.name: path for path in sorted(files)}
        self._compiled: dict[str, etree.XMLSchema] = {}
        # Held while compiling and while validating: lxml failed to resolve an XSD
        # include when a schema was compiled while other threads validated invoices.
        self._lock = threading.RLock()

    def has(self, system_code: str) -> bool:
        """Whether a schema for ``system_code`` was found."""
        return SCHEMA_FILES.get(system_code, "") in self._by_name

    def path_of(self, system_code: str) -> Path | None:
        """The XSD file found for ``system_code``, if any."""
        return self._by_name.get(SCHEMA_FILES.get(system_code, ""))

    def missing(self, system_codes: tuple[str, ...]) -> list[str]:
        """The form codes among ``system_codes`` that have no schema."""
        return [code for code in system_codes if not self.has(code)]

    def schema(self, system_code: str) -> etree.XMLSchema | None:
        """The compiled schema for ``system_code``, or ``None`` when there is none."""
        if not self.has(system_code):
            return None
        with self._lock:
            if system_code not in self._compiled:
                parser = etree.XMLParser(resolve_entities=False, no_network=True)
                parser.resolvers.add(_local_resolver(self._by_name))
                path = self._by_name[SCHEMA_FILES[system_code]]
                document = etree.parse(str(path), parser)
                self._compiled[system_code] = etree.XMLSchema(document)
            return self._compiled[system_code]

    def compile_all(self) -> None:
        """Compile every schema found now (a server does it before its first request)."""
        for system_code in SCHEMA_FILES:
            self.schema(system_code)

    def validate(self, system_code: str, document: etree._ElementTree) -> list[str] | None:
        """XSD errors of ``document`` (empty when valid), or ``None`` without a schema."""
        with self._lock:
            schema = self.schema(system_code)
            if schema is None:
                return None
            try:
                if schema.validate(document):
                    return []
            except etree.XMLSchemaValidateError as exc:  # e.g. an unexpanded entity reference
                return [str(exc)]
            return [f"line {e.line}: {e.message}" for e in schema.error_log]  # type: ignore[attr-defined]


def warn_missing_schemas(registry: SchemaRegistry, system_codes: tuple[str, ...]) -> list[str]:
    """Log (at DEBUG) which form codes are checked without an XSD; return them.

    Every app (each worker, each test) calls this; ``mock-ksef serve`` says it once, in
    the banner's ``schemas`` line (``mock_ksef.cli_schemas.schema_summary``).
    """
    missing = registry.missing(system_codes)
    if missing:
        log.debug(
            "no XSD found in %s for %s: those invoices are checked for "
            "well-formedness and key fields only",
            registry.folder,
            ", ".join(missing),
        )
    return missing

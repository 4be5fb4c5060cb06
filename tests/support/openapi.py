"""Validation of every response against the official OpenAPI document.

:class:`ValidatingMiddleware` wraps the WSGI app that tests talk to (through the test
client or a real socket), so every JSON body any client receives - our own requests or an
SDK's - is checked in one place. Violations are collected and the suite-wide autouse
fixture in ``conftest.py`` fails the test that produced them.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from openapi_schema_validator import OAS30Validator

PROBLEM_JSON = "application/problem+json"
API_PREFIX = re.compile(r"^(/api)?/v2(?=/)")
#: Statuses no operation of the spec lists, which the real ASP.NET service still sends,
#: with the body they must have here: 415 for a body whose Content-Type the operation
#: does not read (docs/http-edge.md). Shaped like the spec's other problem details.
UNDOCUMENTED_PROBLEMS: dict[int, dict[str, Any]] = {
    415: {
        "type": "object",
        "required": ["title", "status", "detail", "instance", "traceId", "timestamp"],
        "properties": {
            "title": {"enum": ["Unsupported Media Type"]},
            "status": {"enum": [415]},
            "detail": {"type": "string", "minLength": 1},
            "instance": {"type": "string"},
            "traceId": {"type": "string"},
            "timestamp": {"type": "string", "format": "date-time"},
        },
        "additionalProperties": False,
    }
}


@dataclass
class Operation:
    """One path template and method of the spec."""

    method: str
    template: str
    pattern: re.Pattern[str]
    responses: dict[str, Any]


class OpenApiSpec:
    """The parsed ``open-api.json`` with path matching and body validation."""

    def __init__(self, path: Path) -> None:
        self.document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        self.operations: list[Operation] = []
        for template, item in self.document["paths"].items():
            regex = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
            for method, op in item.items():
                if method in {"get", "post", "put", "delete", "patch"}:
                    self.operations.append(
                        Operation(method.upper(), template, re.compile(regex), op["responses"])
                    )
        # Literal templates before parametrised ones (``/invoices/failed`` before ``{ref}``).
        self.operations.sort(key=lambda o: o.template.count("{"))

    @cached_property
    def _root_validator(self) -> Any:
        # A validator rooted at the whole document, so "#/components/..." references in a
        # response schema resolve; ``evolve(schema=...)`` keeps that resolver.
        validator = OAS30Validator(self.document, format_checker=OAS30Validator.FORMAT_CHECKER)
        validator.iter_errors({})  # build the resolver against the document root
        return validator

    def match(self, method: str, path: str) -> Operation | None:
        """The operation for a request path (with or without ``/v2`` or ``/api/v2``)."""
        bare = API_PREFIX.sub("", path)
        for op in self.operations:
            if op.method == method and op.pattern.match(bare):
                return op
        return None

    def violations(
        self,
        method: str,
        path: str,
        status: int,
        content_type: str,
        body: bytes,
        *,
        injected: bool = False,
    ) -> list[str]:
        """What is wrong with one response, if anything.

        ``injected``: a scenario fault answered (header ``X-Mock-Fault``); such answers
        imitate the gateway, so a status or body the spec does not document is expected
        (a documented status with a JSON body is still validated).
        """
        if not API_PREFIX.match(path):
            return []  # control API, storage links: not part of the KSeF spec
        op = self.match(method, path)
        if op is None:
            return [f"{method} {path}: no such operation in the spec"] if status < 404 else []
        response = op.responses.get(str(status))
        where = f"{method} {op.template} -> {status}"
        if response is None and status in UNDOCUMENTED_PROBLEMS:
            response = {"content": {PROBLEM_JSON: {"schema": UNDOCUMENTED_PROBLEMS[status]}}}
        if response is None:
            if injected:
                return []
            return [f"{where}: status not documented (documented: {sorted(op.responses)})"]
        media = content_type.split(";")[0].strip()
        if injected and not media.endswith("json"):
            return []
        content = response.get("content") or {}
        if not content:
            return [f"{where}: body sent where the spec has none"] if body else []
        if media not in content:
            return [f"{where}: content type {media!r} not in {sorted(content)}"]
        schema = content[media].get("schema")
        if schema is None or not media.endswith("json"):
            return []
        try:
            data = json.loads(body)
        except ValueError as exc:
            return [f"{where}: invalid JSON: {exc}"]
        validator = self._root_validator.evolve(schema=schema)
        return [
            f"{where}: {'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(data)
        ]


@dataclass
class ValidatingMiddleware:
    """WSGI middleware recording spec violations of every response."""

    app: Callable[..., Iterable[bytes]]
    spec: OpenApiSpec
    violations: list[str] = field(default_factory=list)
    seen: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        captured: dict[str, Any] = {}

        def _start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"] = int(status.split()[0])
            captured["headers"] = headers
            return start_response(status, headers, exc_info)

        chunks = list(self.app(environ, _start))
        body = b"".join(chunks)
        content_type = next(
            (v for k, v in captured.get("headers", []) if k.lower() == "content-type"), ""
        )
        found = self.spec.violations(
            environ["REQUEST_METHOD"],
            environ.get("PATH_INFO", ""),
            captured.get("status", 0),
            content_type,
            body,
            injected=any(k.lower() == "x-mock-fault" for k, _ in captured.get("headers", [])),
        )
        with self._lock:
            self.seen += 1
            self.violations.extend(found)
        return [body]

    def take(self) -> list[str]:
        """Return and forget the violations collected so far."""
        with self._lock:
            found, self.violations = self.violations, []
            return found

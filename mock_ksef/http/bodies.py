"""Reading request bodies and query arguments: one place turns bad input into 400s.

The split (``docs/http-edge.md``):

* the body is not the JSON the route takes at all - a ``Content-Type`` other than JSON:
  415 problem+json, before anything is parsed;
* unreadable - not UTF-8, not JSON syntax (also truncated), ``NaN``, lone surrogates:
  ``21001 Nieczytelna treść.`` where the operation's spec lists 21001, else 21405;
* readable JSON that fails validation - empty, not an object, duplicated keys, nested
  deeper than :data:`MAX_DEPTH`, a number too long, wrong types, missing fields: 21405.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from flask import has_request_context, request
from marshmallow import EXCLUDE, Schema, ValidationError
from werkzeug.exceptions import UnsupportedMediaType

from mock_ksef.domain.errors import KsefError, UnreadableDocument, ValidationFailed
from mock_ksef.domain.paging import PageSizes

#: Deepest nesting of arrays and objects accepted (System.Text.Json's default MaxDepth).
MAX_DEPTH = 64
#: Operations (method and spec path) whose 400 lists ``21001`` and that take a JSON body
#: (SPEC-CHANGES.md §4); for every other operation an unreadable body stays 21405.
LISTS_21001 = frozenset(
    {
        "POST /auth/ksef-token",
        "POST /certificates/enrollments",
        "POST /certificates/query",
        "POST /certificates/retrieve",
        "POST /certificates/{}/revoke",
        "POST /collective-identifiers",
        "POST /collective-identifiers/invoices",
        "POST /collective-identifiers/query",
        "POST /invoices/exports",
        "POST /invoices/query/metadata",
        "POST /permissions/authorizations/grants",
        "POST /permissions/entities/grants",
        "POST /permissions/eu-entities/administration/grants",
        "POST /permissions/eu-entities/grants",
        "POST /permissions/indirect/grants",
        "POST /permissions/persons/grants",
        "POST /permissions/query/authorizations/grants",
        "POST /permissions/query/entities/grants",
        "POST /permissions/query/eu-entities/grants",
        "POST /permissions/query/personal/grants",
        "POST /permissions/query/persons/grants",
        "POST /permissions/query/subordinate-entities/roles",
        "POST /permissions/query/subunits/grants",
        "POST /permissions/subunits/grants",
        "POST /sessions/batch",
        "POST /sessions/online",
        "POST /sessions/online/{}/invoices",
        "POST /tokens",
    }
)
#: Media types read as JSON, as ASP.NET's JSON input formatter does.
JSON_MEDIA = ("application/json", "text/json", "application/*+json")
#: What ``POST /auth/xades-signature`` reads (the spec's ``application/xml``, and its aliases).
XML_MEDIA = ("application/xml", "text/xml", "application/*+xml")
_API_PREFIX = re.compile(r"^(/api)?/v2(?=/)")
_PARAMETER = re.compile(r"[<{][^>}]*[>}]")


class TolerantSchema(Schema):
    """Base of request schemas: unknown properties are ignored (changelog 2.1.2)."""

    class Meta:
        unknown = EXCLUDE


def flatten(messages: Any, prefix: str = "") -> list[str]:
    """marshmallow's nested messages as ``field.path: message`` lines."""
    if isinstance(messages, dict):
        # marshmallow files whole-object errors under "_schema": they belong to the field.
        return [
            m
            for k, v in messages.items()
            for m in flatten(v, prefix if k == "_schema" else f"{prefix}{k}.")
        ]
    if isinstance(messages, list):
        return [m for item in messages for m in flatten(item, prefix)]
    return [f"{prefix.rstrip('.')}: {messages}" if prefix else str(messages)]


def operation_key(method: str, rule: str) -> str:
    """``METHOD /path`` with the API prefix cut and every path parameter as ``{}``.

    Both Flask rules (``<reference>``) and spec templates (``{referenceNumber}``) map to
    the same key.
    """
    return f"{method.upper()} {_PARAMETER.sub('{}', _API_PREFIX.sub('', rule))}"


def _lists_21001() -> bool:
    if not has_request_context() or request.url_rule is None:
        return False
    return operation_key(request.method, request.url_rule.rule) in LISTS_21001


def _unreadable(detail: str) -> ValidationFailed | UnreadableDocument:
    return UnreadableDocument(detail) if _lists_21001() else ValidationFailed(detail)


def require_media(accepted: tuple[str, ...], body: bytes) -> None:
    """Refuse a body labelled (or not labelled) as something the route does not read.

    An empty body without ``Content-Type`` passes (the body check explains it then).

    Raises:
        UnsupportedMediaType: 415, naming the type sent and the types accepted.
    """
    header = request.headers.get("Content-Type", "").strip()
    if not header and not body:
        return
    media, _, parameters = header.partition(";")
    media = media.strip().lower()
    wanted = " lub ".join(accepted)
    if not media:
        raise UnsupportedMediaType(f"Brak nagłówka Content-Type; wymagany: {wanted}.")
    if not any(_media_matches(media, pattern) for pattern in accepted):
        raise UnsupportedMediaType(f"Content-Type '{header}' nieobsługiwany; wymagany: {wanted}.")
    charset = _charset(parameters)
    if charset not in (None, "utf-8", "utf8"):
        raise UnsupportedMediaType(
            f"Content-Type '{header}': kodowanie '{charset}' nieobsługiwane; wymagane utf-8."
        )


def _media_matches(media: str, pattern: str) -> bool:
    kind, _, subtype = pattern.partition("/")
    if subtype.startswith("*+"):
        return media.startswith(f"{kind}/") and media.endswith(subtype[1:])
    return media == pattern


def _charset(parameters: str) -> str | None:
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise ValidationFailed(f"Powtórzony klucz '{key}' w obiekcie JSON.")
        document[key] = value
    return document


class _NotJsonConstant(ValueError):
    """``NaN``, ``Infinity`` or ``-Infinity``: Python reads them, JSON has no such values."""


def _no_constant(name: str) -> Any:
    raise _NotJsonConstant(f"'{name}' nie jest wartością JSON")


def _check_tree(document: Any) -> None:
    """Depth within :data:`MAX_DEPTH`; every string encodable (no lone surrogates)."""
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > MAX_DEPTH:
                raise _too_deep()
            items = list(node.items()) if isinstance(node, dict) else [(None, v) for v in node]
            for key, value in items:
                if key is not None:
                    _check_text(key)
                stack.append((value, depth + 1))
        elif isinstance(node, str):
            _check_text(node)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise _unreadable(
            f"Nieprawidłowy JSON: samotny surogat UTF-16 (\\u{ord(text[exc.start]):04x})."
        ) from exc


def _too_deep() -> ValidationFailed:
    return ValidationFailed(
        f"JSON zagnieżdżony zbyt głęboko: dozwolone najwyżej {MAX_DEPTH} poziomy obiektów i tablic."
    )


def parse_json(raw: bytes) -> Any:
    """A JSON document from raw UTF-8 bytes (see the module docstring for the codes)."""
    if not raw:
        raise ValidationFailed("Brak treści żądania (JSON).")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _unreadable(
            f"Nieprawidłowy JSON: treść nie jest w UTF-8 (bajt {exc.start}: "
            f"0x{raw[exc.start]:02x})."
        ) from exc
    try:
        document = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except RecursionError as exc:
        raise _too_deep() from exc
    except json.JSONDecodeError as exc:
        raise _unreadable(f"Nieprawidłowy JSON: {exc}") from exc
    except _NotJsonConstant as exc:
        raise _unreadable(f"Nieprawidłowy JSON: {exc}.") from exc
    except ValueError as exc:  # an integer longer than Python's digit limit
        raise ValidationFailed(
            f"Nieprawidłowa liczba w JSON: więcej niż {sys.get_int_max_str_digits()} cyfr."
        ) from exc
    _check_tree(document)
    return document


def peek_json() -> Any:
    """The current request's JSON body for a glance (faults, journal, control API).

    ``None`` when absent or unreadable (the view explains that); the body stays cached,
    so the view still reads it. The Content-Type is not checked here.
    """
    try:
        return parse_json(request.get_data())
    except KsefError:
        return None


def load(schema: Schema, raw: bytes) -> Any:
    """Parse ``raw`` as a JSON object and load it with ``schema``.

    Within a request the ``Content-Type`` is checked first (415 unless JSON).
    """
    if has_request_context():
        require_media(JSON_MEDIA, raw)
    document = parse_json(raw)
    if not isinstance(document, dict):
        raise ValidationFailed("Treść żądania musi być obiektem JSON.")
    try:
        return schema.load(document)
    except ValidationError as exc:
        raise ValidationFailed(*flatten(exc.messages)) from exc


def load_request(schema: Schema) -> Any:
    """Load the current request's JSON body with ``schema``."""
    return load(schema, request.get_data(cache=False))


def page_size(sizes: PageSizes) -> int:
    """The ``pageSize`` query argument (default ``sizes.default``), checked against ``sizes``.

    Raises:
        ValidationFailed: not an integer, or out of range (21405).
    """
    raw = request.args.get("pageSize")
    if raw is None:
        return sizes.default
    try:
        size = int(raw)
    except ValueError as exc:
        raise ValidationFailed(f"pageSize: '{raw}' nie jest liczbą całkowitą.") from exc
    return sizes.check(size)

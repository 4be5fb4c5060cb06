"""Reading request bodies and query arguments: one place turns bad input into 21405."""

from __future__ import annotations

import json
from typing import Any

from flask import request
from marshmallow import EXCLUDE, Schema, ValidationError

from mock_ksef.domain.errors import ValidationFailed


class TolerantSchema(Schema):
    """Base of request schemas: unknown properties are ignored (changelog 2.1.2)."""

    class Meta:
        unknown = EXCLUDE


def flatten(messages: Any, prefix: str = "") -> list[str]:
    """marshmallow's nested messages as ``field.path: message`` lines."""
    if isinstance(messages, dict):
        return [m for k, v in messages.items() for m in flatten(v, f"{prefix}{k}.")]
    if isinstance(messages, list):
        return [m for item in messages for m in flatten(item, prefix)]
    return [f"{prefix.rstrip('.')}: {messages}" if prefix else str(messages)]


def parse_json(raw: bytes) -> Any:
    """A JSON document from raw bytes (21405 when absent or malformed)."""
    if not raw:
        raise ValidationFailed("Brak treści żądania (JSON).")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed(f"Nieprawidłowy JSON: {exc}") from exc


def load(schema: Schema, raw: bytes) -> Any:
    """Parse ``raw`` as a JSON object and load it with ``schema`` (21405 on any failure)."""
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


def page_size(low: int, high: int) -> int:
    """The ``pageSize`` query argument (default 10) within ``low..high`` (21405 otherwise)."""
    raw = request.args.get("pageSize", "10")
    try:
        size = int(raw)
    except ValueError as exc:
        raise ValidationFailed(f"pageSize: '{raw}' nie jest liczbą całkowitą.") from exc
    if not low <= size <= high:
        raise ValidationFailed(f"pageSize: wartość {size} spoza zakresu {low}..{high}.")
    return size

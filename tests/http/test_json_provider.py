"""JSON answers through orjson: the same bytes Flask's own provider wrote."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask

from mock_ksef.http.json_provider import FastJSONProvider, install_json


@dataclasses.dataclass
class _Point:
    x: int
    label: str


SAMPLES: list[Any] = [
    {"status": {"code": 100, "description": "Sesja interaktywna otwarta"}, "n": None},
    {"opis": "Błąd walidacji – żółć €", "list": [1, 2.5, True, False, None, "x"]},
    [{"a": {"b": [{"c": 0.1}]}}, 123456789.123, -0.0, 1e16],
    {"big": 2**70},  # beyond 64 bits: the standard encoder's answer
    {1: "int key", "k": "v"},
    {"when": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "point": _Point(1, "ą")},
    "plain",
    [],
]


def _reference() -> Flask:
    app = Flask("reference")
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    return app


@pytest.mark.parametrize("value", SAMPLES)
def test_same_bytes_as_flask(value: Any) -> None:
    """Answers, compact dumps and default dumps are what Flask's provider wrote."""
    fast, reference = Flask("fast"), _reference()
    install_json(fast)
    assert isinstance(fast.json, FastJSONProvider)
    with fast.app_context():
        got = fast.json.response(value).get_data()  # type: ignore[attr-defined]
        compact = fast.json.dumps(value, separators=(",", ":"))
        spaced = fast.json.dumps(value)
    with reference.app_context():
        assert got == reference.json.response(value).get_data()  # type: ignore[attr-defined]
        assert compact == reference.json.dumps(value, separators=(",", ":"))
        assert spaced == reference.json.dumps(value)

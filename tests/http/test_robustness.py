"""No request, however malformed, gets a traceback or an unasked-for 500."""

from __future__ import annotations

import json
import re

import pytest

from tests.support.exceptions import exception_code
from tests.support.nips import NIP
from tests.support.principal import access_token

BODIES = [
    b"",
    b"{not json",
    b"[]",
    b'"text"',
    b"null",
    json.dumps({"formCode": 5, "encryption": [], "invoiceHash": None}).encode(),
    b"\xff\xfe\x00garbage",
    b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>",
    b"[" * 100_000 + b"]" * 100_000,
    b'{"formCode": {}, "formCode": []}',
    b'{"a": NaN, "b": "\\ud800"}',
    b'{"formCode": ' + b"9" * 5000 + b"}",
]
#: Content types a client may wrongly send with these bodies (None: no header).
CONTENT_TYPES = ["application/json", "text/plain", "application/x-www-form-urlencoded", None]
PATH_VALUES = ["20261124-SO-0000000001-0000000001-00", "x", "..%2F..", "%00", "a" * 300]


def _api_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/v2/"):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, rule.rule


def _fill(rule: str, value: str) -> str:
    return re.sub(r"<[^>]+>", value, rule)


@pytest.mark.parametrize("with_token", [False, True])
def test_every_route_survives_garbage(app, client, with_token):
    """Every API route answers garbage below 500, in the spec's format (validated)."""
    seen = 0
    for method, rule in _api_rules(app):
        for value in PATH_VALUES:
            for body in BODIES:
                content_type = CONTENT_TYPES[seen % len(CONTENT_TYPES)]
                # A fresh token each time: DELETE /auth/sessions/current revokes the last one.
                headers = (
                    {"Authorization": f"Bearer {access_token(app, NIP)}"} if with_token else {}
                )
                if content_type:
                    headers["Content-Type"] = content_type
                response = client.open(
                    _fill(rule, value), method=method, data=body, headers=headers
                )
                seen += 1
                assert response.status_code < 500, (method, rule, value, body[:40])
                if response.status_code >= 400:
                    assert response.is_json, (method, rule, response.data[:200])
    assert seen > 500


def test_oversized_body_is_a_400_not_a_413(app, client):
    """A body over max_request_bytes is refused with 21405, never read whole."""
    headers = {"Authorization": f"Bearer {access_token(app, NIP)}"}
    response = client.post("/v2/sessions/online", data=b"x" * 9_000_000, headers=headers)
    assert response.status_code == 400
    assert exception_code(response) == 21405


def test_bearer_garbage_is_401(client):
    """Malformed Authorization headers are 401 problem+json."""
    for value in ["Bearer", "Bearer ", "Basic abc", "Bearer a.b.c", "Bearer " + "x" * 5000]:
        response = client.get("/v2/sessions?sessionType=Online", headers={"Authorization": value})
        assert response.status_code == 401, value
        assert response.mimetype == "application/problem+json"

"""Hostile request bodies over real HTTP: exact spec errors, never a 5xx (docs/http-edge.md)."""

from __future__ import annotations

import http.client
import json
import re
from datetime import timedelta

import pytest

from mock_ksef.domain.credentials.credential_values import TOKEN_PERMISSIONS
from mock_ksef.http.bodies import LISTS_21001, MAX_DEPTH, operation_key
from tests.support.exceptions import exception_details
from tests.support.nips import NIP
from tests.support.principal import access_token

JSON = "application/json"
TOO_DEEP = (
    f"JSON zagnieżdżony zbyt głęboko: dozwolone najwyżej {MAX_DEPTH} poziomy obiektów i tablic."
)


def _send(live, method, path, body=b"", headers=None):
    """One request on a fresh connection: (status, headers, parsed JSON body or bytes)."""
    conn = http.client.HTTPConnection(live.host, live.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        raw = response.read()
        data = json.loads(raw) if raw and "json" in response.getheader("Content-Type", "") else raw
        return response.status, response.headers, data
    finally:
        conn.close()


def _detail(data):
    """The one ExceptionResponse entry as (code, description, details)."""
    (entry,) = exception_details(data)
    return entry["exceptionCode"], entry["exceptionDescription"], entry["details"]


@pytest.fixture
def bearer(app):
    return {"Authorization": f"Bearer {access_token(app, NIP)}"}


def _nested(depth: int) -> bytes:
    """An object whose ``formCode`` holds arrays nested to ``depth`` levels in all."""
    return b'{"formCode":' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"


@pytest.mark.parametrize("path", ["/v2/sessions/online", "/v2/testdata/subject"])
def test_json_nested_100000_levels_is_21405_naming_the_limit(live, bearer, path):
    """100,000 nested arrays: a 400 21405 that states the limit, not a RecursionError."""
    status, _, data = _send(
        live, "POST", path, b"[" * 100_000 + b"]" * 100_000, {**bearer, "Content-Type": JSON}
    )
    assert status == 400
    assert _detail(data) == (21405, "Błąd walidacji danych wejściowych.", [TOO_DEEP])


def test_depth_limit_is_exact(live, bearer):
    """64 levels are read (and then validated); 65 are refused for their depth."""
    headers = {**bearer, "Content-Type": JSON}
    _, _, at_limit = _send(live, "POST", "/v2/sessions/online", _nested(MAX_DEPTH), headers)
    _, _, over = _send(live, "POST", "/v2/sessions/online", _nested(MAX_DEPTH + 1), headers)
    assert _detail(at_limit)[2] == [
        "formCode: Invalid input type.",
        "encryption: Missing data for required field.",
    ]
    assert _detail(over)[2] == [TOO_DEEP]


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml",
        "multipart/form-data; boundary=x",
        "application/jsonx",
    ],
)
def test_json_under_another_content_type_is_415(live, bearer, content_type):
    """A JSON body labelled as something else is refused as ASP.NET does: 415 problem+json."""
    status, headers, data = _send(
        live, "POST", "/v2/sessions/online", b"{}", {**bearer, "Content-Type": content_type}
    )
    assert status == 415
    assert headers["Content-Type"] == "application/problem+json"
    assert data["title"] == "Unsupported Media Type"
    assert data["status"] == 415
    assert data["instance"] == "/v2/sessions/online"
    assert data["detail"] == (
        f"Content-Type '{content_type}' nieobsługiwany; wymagany: "
        "application/json lub text/json lub application/*+json."
    )


def test_json_without_content_type_is_415(live):
    """A body with no Content-Type at all is refused, and says a type is required."""
    status, _, data = _send(live, "POST", "/v2/auth/ksef-token", b"{}", {})
    assert status == 415
    assert data["detail"] == (
        "Brak nagłówka Content-Type; wymagany: application/json lub text/json lub "
        "application/*+json."
    )


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", ""])
def test_xades_document_under_another_content_type_is_415(live, content_type):
    """The signed AuthTokenRequest is XML: JSON, text or no label at all is refused."""
    headers = {"Content-Type": content_type} if content_type else {}
    status, _, data = _send(live, "POST", "/v2/auth/xades-signature", b"<a/>", headers)
    assert status == 415
    wanted = "application/xml lub text/xml lub application/*+xml."
    if content_type:
        assert data["detail"] == f"Content-Type '{content_type}' nieobsługiwany; wymagany: {wanted}"
    else:
        assert data["detail"] == f"Brak nagłówka Content-Type; wymagany: {wanted}"


@pytest.mark.parametrize("content_type", ["application/xml", "text/xml; charset=utf-8"])
def test_xades_document_labelled_xml_reaches_the_checks(live, content_type):
    """An XML label passes the media check; a document that is no AuthTokenRequest is 21401."""
    status, _, data = _send(
        live, "POST", "/v2/auth/xades-signature", b"<a/>", {"Content-Type": content_type}
    )
    assert status == 400
    [detail] = data["exception"]["exceptionDetailList"]
    assert detail["exceptionCode"] == 21401
    assert detail["exceptionDescription"] == "Dokument nie jest zgodny ze schemą (xsd)."
    assert detail["details"][0].endswith("otrzymano a.")


def test_415_ignores_x_error_format(live):
    """415 is always problem+json, whatever X-Error-Format asks for."""
    status, headers, _ = _send(
        live,
        "POST",
        "/v2/auth/ksef-token",
        b"{}",
        {"Content-Type": "text/plain", "X-Error-Format": "problem-details"},
    )
    assert (status, headers["Content-Type"]) == (415, "application/problem+json")


def test_charset_other_than_utf8_is_415(live):
    """JSON is UTF-8: a declared ISO-8859-2 body is refused, naming the charset."""
    status, _, data = _send(
        live,
        "POST",
        "/v2/auth/ksef-token",
        b"{}",
        {"Content-Type": "application/json; charset=iso-8859-2"},
    )
    assert status == 415
    assert data["detail"] == (
        "Content-Type 'application/json; charset=iso-8859-2': kodowanie 'iso-8859-2' "
        "nieobsługiwane; wymagane utf-8."
    )


@pytest.mark.parametrize(
    "content_type",
    ["application/json; charset=utf-8", "Application/JSON", "text/json", "application/ksef+json"],
)
def test_json_media_types_are_read(live, content_type):
    """JSON with parameters, in any case, text/json and application/*+json are read."""
    status, _, data = _send(
        live, "POST", "/v2/auth/ksef-token", b"{}", {"Content-Type": content_type}
    )
    assert status == 400
    assert _detail(data)[0:2] == (21405, "Błąd walidacji danych wejściowych.")
    assert "challenge: Missing data for required field." in _detail(data)[2]


def test_empty_body_without_content_type_is_fine_where_no_body_is_taken(live):
    """POST /auth/challenge takes no body: an empty one without Content-Type is a 200."""
    status, _, data = _send(live, "POST", "/v2/auth/challenge")
    assert status == 200
    assert len(data["challenge"]) == 36


def test_empty_body_where_one_is_required_is_21405(live, bearer):
    """No body and no Content-Type on a route that needs one: 21405 saying so."""
    status, _, data = _send(live, "POST", "/v2/sessions/online", b"", bearer)
    assert status == 400
    assert _detail(data) == (
        21405,
        "Błąd walidacji danych wejściowych.",
        ["Brak treści żądania (JSON)."],
    )


UNREADABLE = [
    (b"\xff\xfe{}", "Nieprawidłowy JSON: treść nie jest w UTF-8 (bajt 0: 0xff)."),
    (
        b'{"formCode": {',
        "Nieprawidłowy JSON: Expecting property name enclosed in double quotes: "
        "line 1 column 15 (char 14)",
    ),
    (b'{"a": NaN}', "Nieprawidłowy JSON: 'NaN' nie jest wartością JSON."),
    (b'{"a": "\\ud800"}', "Nieprawidłowy JSON: samotny surogat UTF-16 (\\ud800)."),
]


@pytest.mark.parametrize(("raw", "message"), UNREADABLE)
@pytest.mark.parametrize(
    ("path", "code", "description"),
    [
        ("/v2/sessions/online", 21001, "Nieczytelna treść."),
        ("/v2/auth/ksef-token", 21001, "Nieczytelna treść."),
        ("/v2/testdata/subject", 21405, "Błąd walidacji danych wejściowych."),
    ],
)
def test_unreadable_body_is_21001_where_the_spec_lists_it(
    live, bearer, raw, message, path, code, description
):
    """Not UTF-8, truncated, NaN, a lone surrogate: 21001 where listed, 21405 elsewhere."""
    status, _, data = _send(live, "POST", path, raw, {**bearer, "Content-Type": JSON})
    assert status == 400
    assert _detail(data) == (code, description, [message])


def test_duplicated_key_is_21405_naming_it(live, bearer):
    """Two values for one key are ambiguous: refused, not last-one-wins."""
    raw = b'{"formCode": {}, "encryption": {}, "formCode": {}}'
    status, _, data = _send(
        live, "POST", "/v2/sessions/online", raw, {**bearer, "Content-Type": JSON}
    )
    assert status == 400
    assert _detail(data)[2] == ["Powtórzony klucz 'formCode' w obiekcie JSON."]


def test_wrong_json_types_are_21405_per_field(live, bearer):
    """Readable JSON of the wrong types: 21405 with one line per field."""
    raw = json.dumps({"formCode": 5, "encryption": []}).encode()
    status, _, data = _send(
        live, "POST", "/v2/sessions/online", raw, {**bearer, "Content-Type": JSON}
    )
    assert status == 400
    assert _detail(data) == (
        21405,
        "Błąd walidacji danych wejściowych.",
        ["formCode: Invalid input type.", "encryption: Invalid input type."],
    )


def test_number_too_long_is_21405(live, bearer):
    """An integer of 5,000 digits is refused with its reason, not a ValueError."""
    raw = b'{"formCode": ' + b"9" * 5000 + b"}"
    status, _, data = _send(
        live, "POST", "/v2/sessions/online", raw, {**bearer, "Content-Type": JSON}
    )
    assert status == 400
    assert _detail(data)[2] == ["Nieprawidłowa liczba w JSON: więcej niż 4300 cyfr."]


def test_huge_content_length_is_refused_unread_and_closes(live, bearer):
    """A declared 1 TB body is refused at once (21405), with Connection: close."""
    conn = http.client.HTTPConnection(live.host, live.port, timeout=30)
    try:
        conn.putrequest("POST", "/v2/sessions/online")
        for name, value in {
            **bearer,
            "Content-Type": JSON,
            "Content-Length": "10" + "0" * 11,
        }.items():
            conn.putheader(name, value)
        conn.endheaders(b"{}")
        response = conn.getresponse()
        data = json.loads(response.read())
    finally:
        conn.close()
    assert response.status == 400
    assert response.getheader("Connection") == "close"
    code, _, details = _detail(data)
    assert code == 21405
    assert details == [
        "413 Request Entity Too Large: The data value transmitted exceeds the capacity limit."
    ]


def test_date_header_follows_the_mock_clock(live, clock):
    """Date is the mock clock's, once, and moves when the clock moves."""
    conn = http.client.HTTPConnection(live.host, live.port, timeout=30)
    try:
        conn.request("GET", "/v2/security/public-key-certificates")
        first = conn.getresponse()
        first.read()
    finally:
        conn.close()
    clock.shift(timedelta(days=1, seconds=5))
    _, later, _ = _send(live, "GET", "/_mock/health")
    assert first.headers.get_all("Date") == ["Tue, 24 Nov 2026 09:00:00 GMT"]
    assert later.get_all("Date") == ["Wed, 25 Nov 2026 09:00:05 GMT"]


def _json_body_operations(app, openapi):
    """(method, path, protected, lists 21001) of every served operation taking JSON."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/v2/"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            path = re.sub(r"<[^>]+>", "20261124-SO-0000000001-0000000001-00", rule.rule)
            op = openapi.match(method, path)
            spec_op = openapi.document["paths"][op.template][method.lower()] if op else {}
            if JSON in (spec_op.get("requestBody") or {}).get("content", {}):
                lists = "21001" in json.dumps(spec_op["responses"]["400"])
                found.append((method, path, bool(spec_op.get("security")), lists))
    return found


def test_lists_21001_is_the_spec_s_list(openapi):
    """The 21001 table in bodies.py is exactly the spec's JSON-body operations listing it."""
    listed = {
        operation_key(method, template)
        for template, item in openapi.document["paths"].items()
        for method, op in item.items()
        if JSON in (op.get("requestBody") or {}).get("content", {})
        and "21001" in json.dumps(op["responses"].get("400", {}))
    }
    assert listed == LISTS_21001


#: Every permission any route's gate asks for, so the body (not the 403 gate) decides.
EVERY_RIGHT = (*TOKEN_PERMISSIONS, "VatUeManage", "PefInvoiceWrite")

HOSTILE = [
    ("deep", b"[" * 100_000 + b"]" * 100_000, JSON),
    ("truncated", b'{"a": [1, 2', JSON),
    ("not utf-8", b'{"a": "\xc0\xaf"}', JSON),
    ("mislabelled", b"{}", "text/plain"),
    ("form", b"a=1&b=2", "application/x-www-form-urlencoded"),
    ("xml", b"<a/>", "application/xml"),
]


def _expected(case, protected, with_token, lists_21001):
    if protected and not with_token:
        return 401, None
    if case in ("mislabelled", "form", "xml"):
        return 415, None
    if case == "deep":
        return 400, 21405
    return 400, 21001 if lists_21001 else 21405


@pytest.mark.parametrize("with_token", [False, True])
def test_every_json_route_gets_exact_errors_over_http(app, live, openapi, with_token):
    """Every served JSON route, hostile bodies, with and without a token: exact codes."""
    operations = _json_body_operations(app, openapi)
    assert len(operations) >= 15
    got, wanted = [], []
    for method, path, protected, lists_21001 in operations:
        for case, raw, content_type in HOSTILE:
            headers = {"Content-Type": content_type}
            if with_token:
                headers["Authorization"] = f"Bearer {access_token(app, NIP, EVERY_RIGHT)}"
            status, _, data = _send(live, method, path, raw, headers)
            code = _detail(data)[0] if status == 400 else None
            got.append((method, path, case, status, code))
            wanted.append(
                (method, path, case, *_expected(case, protected, with_token, lists_21001))
            )
    assert got == wanted

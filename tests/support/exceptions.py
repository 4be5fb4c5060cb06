"""Reading a KSeF ``ExceptionResponse`` (400) in tests.

Works on a Flask test response, an ``httpx`` response or a body already read (a dict, e.g.
an SDK exception's ``response_body``).
"""

from __future__ import annotations

from typing import Any


def _body(response: Any) -> Any:
    if isinstance(response, dict):
        return response
    assert response.status_code == 400, response.text if hasattr(response, "text") else response
    json = response.json
    return json() if callable(json) else json


def exception_details(response: Any) -> list[dict[str, Any]]:
    """Every ``exceptionDetailList`` entry of a 400 ExceptionResponse."""
    return list(_body(response)["exception"]["exceptionDetailList"])


def exception_detail(response: Any) -> dict[str, Any]:
    """The first ``exceptionDetailList`` entry (code, description, details)."""
    return dict(exception_details(response)[0])


def exception_code(response: Any) -> int:
    """The first entry's ``exceptionCode``."""
    return int(exception_detail(response)["exceptionCode"])


def exception_summary(response: Any) -> tuple[int, list[str]]:
    """The first entry's ``exceptionCode`` and ``details``."""
    entry = exception_detail(response)
    return int(entry["exceptionCode"]), list(entry["details"])

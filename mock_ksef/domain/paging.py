"""The one paginator of every list endpoint: page sizes and continuation tokens.

A continuation token is opaque to the client (URL-safe Base64, no padding) and
tamper-evident: it carries the listing's *scope* (which list, whose) and a *position*
(an offset, or the key of the last item shown), sealed with a truncated HMAC-SHA256. An
edited, truncated or foreign token (another list's, another context's) is 21418
``BadContinuationToken``. The HMAC key is a constant: tokens survive a restart and agree
across worker processes, and the mock needs integrity, not secrecy.

Two ways to cut pages:

* :func:`paginate` — over a sequence already in memory (the position is an offset);
* :func:`paginate_by_key` — over a query that returns the items after a key (the position is
  the last key shown), for lists too long to load: ``fetch(after, limit)`` is asked for one
  item more than the page to learn whether another page follows.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from mock_ksef.domain.errors import BadContinuationToken, ValidationFailed

T = TypeVar("T")
#: A position in a listing: an offset or a (composite) sort key, JSON-serialisable.
Position = int | str | list[int | str]

_KEY = b"mock-ksef continuation token v1"
_MAC_BYTES = 12


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing and the token of the next one (``None``: the last page)."""

    items: list[T]
    continuation_token: str | None


@dataclass(frozen=True)
class PageSizes:
    """The ``pageSize`` range of one endpoint, and its default."""

    low: int = 10
    high: int = 1000
    default: int = 10

    def check(self, size: int) -> int:
        """``size`` when within ``low..high``.

        Raises:
            ValidationFailed: out of range (21405).
        """
        if not self.low <= size <= self.high:
            raise ValidationFailed(
                f"pageSize: wartość {size} spoza zakresu {self.low}..{self.high}."
            )
        return size


def _mac(payload: bytes) -> bytes:
    return hmac.new(_KEY, payload, hashlib.sha256).digest()[:_MAC_BYTES]


def encode_token(scope: str, position: Position) -> str:
    """The continuation token of ``position`` in listing ``scope``."""
    payload = json.dumps([scope, position], separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(_mac(payload) + payload).rstrip(b"=").decode()


def decode_token(scope: str, token: str) -> Position:
    """The position sealed in ``token``.

    Raises:
        BadContinuationToken: not a token of this mock, edited, or of another ``scope``.
    """
    try:
        raw = base64.urlsafe_b64decode(token.encode("ascii") + b"=" * (-len(token) % 4))
        mac, payload = raw[:_MAC_BYTES], raw[_MAC_BYTES:]
        if not hmac.compare_digest(mac, _mac(payload)):
            raise ValueError("seal")
        sealed_scope, position = json.loads(payload)
    except (ValueError, TypeError, binascii.Error, UnicodeError) as exc:
        raise BadContinuationToken() from exc
    if sealed_scope != scope:
        raise BadContinuationToken()
    return position  # type: ignore[no-any-return]


def _check_size(page_size: int) -> None:
    if page_size < 1:
        raise ValidationFailed(f"pageSize: wartość {page_size} mniejsza niż 1.")


def paginate(items: Sequence[T], page_size: int, token: str | None, *, scope: str) -> Page[T]:
    """The page of ``items`` that ``token`` points at (the first page without one).

    Raises:
        BadContinuationToken: a bad ``token`` (21418).
    """
    _check_size(page_size)
    offset = decode_token(scope, token) if token else 0
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise BadContinuationToken()
    end = offset + page_size
    following = encode_token(scope, end) if end < len(items) else None
    return Page(list(items[offset:end]), following)


def paginate_by_key(
    fetch: Callable[[Position | None, int], Sequence[T]],
    key_of: Callable[[T], Position],
    page_size: int,
    token: str | None,
    *,
    scope: str,
) -> Page[T]:
    """A page of the items ``fetch(after, limit)`` returns in key order after the token's key.

    Raises:
        BadContinuationToken: a bad ``token`` (21418).
    """
    _check_size(page_size)
    after = decode_token(scope, token) if token else None
    rows = list(fetch(after, page_size + 1))
    page = rows[:page_size]
    following = encode_token(scope, key_of(page[-1])) if len(rows) > page_size else None
    return Page(page, following)


def page_at(items: Sequence[T], offset: int, size: int) -> tuple[list[T], bool]:
    """Page number ``offset`` (from 0) of ``size`` items, and whether another follows.

    For the ``pageOffset``/``pageSize`` listings (``/permissions/query/*``), whose
    ``hasMore`` replaces a continuation token.
    """
    start = offset * size
    return list(items[start : start + size]), len(items) > start + size

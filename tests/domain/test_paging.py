"""The one paginator: page sizes and opaque, tamper-evident continuation tokens."""

from __future__ import annotations

import base64

import pytest

from mock_ksef.domain.errors import BadContinuationToken, ValidationFailed
from mock_ksef.domain.paging import (
    PageSizes,
    Position,
    decode_token,
    encode_token,
    paginate,
    paginate_by_key,
)

ITEMS = list(range(25))


def test_offset_pages_walk_the_whole_list_once():
    seen: list[int] = []
    token = None
    while True:
        page = paginate(ITEMS, 10, token, scope="s")
        seen += page.items
        token = page.continuation_token
        if token is None:
            break
    assert seen == ITEMS


def test_a_list_that_fits_has_no_token():
    assert paginate(ITEMS[:10], 10, None, scope="s").continuation_token is None


def test_tokens_are_opaque_and_round_trip():
    token = encode_token("invoices:REF", [3, "abc"])
    assert "invoices" not in token
    assert "=" not in token
    assert decode_token("invoices:REF", token) == [3, "abc"]


@pytest.mark.parametrize("bad", ["%%%", "garbage!", "", "AAAA", "x" * 40])
def test_unreadable_tokens_are_21418(bad):
    with pytest.raises(BadContinuationToken):
        decode_token("s", bad)


def test_an_edited_token_is_21418():
    token = encode_token("s", 10)
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[-3] ^= 0x01  # the offset's digit
    edited = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    with pytest.raises(BadContinuationToken):
        paginate(ITEMS, 10, edited, scope="s")


def test_a_token_of_another_listing_is_21418():
    token = paginate(ITEMS, 10, None, scope="sessions:Nip:1").continuation_token
    assert token is not None
    with pytest.raises(BadContinuationToken):
        paginate(ITEMS, 10, token, scope="sessions:Nip:2")


def test_an_offset_token_must_hold_a_non_negative_offset():
    positions: list[Position] = [-1, "10", [10]]
    for position in positions:
        with pytest.raises(BadContinuationToken):
            paginate(ITEMS, 10, encode_token("s", position), scope="s")


def test_key_pages_ask_for_one_more_and_resume_after_the_last_key():
    calls: list[tuple[object, int]] = []

    def fetch(after: object, limit: int) -> list[int]:
        calls.append((after, limit))
        start = -1 if after is None else int(after)  # type: ignore[call-overload]
        return [i for i in ITEMS if i > start][:limit]

    first = paginate_by_key(fetch, lambda i: i, 10, None, scope="k")
    second = paginate_by_key(fetch, lambda i: i, 10, first.continuation_token, scope="k")
    third = paginate_by_key(fetch, lambda i: i, 10, second.continuation_token, scope="k")
    assert first.items + second.items + third.items == ITEMS
    assert third.continuation_token is None
    assert calls == [(None, 11), (9, 11), (19, 11)]


def test_page_sizes_check_their_range():
    sizes = PageSizes(10, 100)
    assert sizes.check(10) == 10
    assert sizes.check(100) == 100
    for size in (9, 101):
        with pytest.raises(ValidationFailed):
            sizes.check(size)


def test_a_page_needs_at_least_one_item():
    with pytest.raises(ValidationFailed):
        paginate(ITEMS, 0, None, scope="s")

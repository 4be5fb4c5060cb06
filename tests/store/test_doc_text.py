"""A document's JSON text, both ways: what ``decode`` reads back is what ``encode`` got."""

from __future__ import annotations

import pytest

from mock_ksef.store.base import decode, encode


@pytest.mark.parametrize(
    "doc",
    [
        {"size": 2**64 + 1, "negative": -(2**63) - 1, "small": 7},
        {"ksef": "5265877635-20250626-010080DD2B5E-26", "number": 1234567890123456789},
        {"text": "Zażółć gęślą jaźń", "nested": {"list": [1, 2.5, None, True, "ż"]}},
        {"float": 0.1, "tiny": 1e-7, "big": 1.5e300},
    ],
)
def test_decode_reads_back_what_encode_wrote(doc: dict[str, object]) -> None:
    text = encode(doc)
    for form in (text, text.encode()):
        back = decode(form)
        assert back == doc
        assert [type(v) for v in back.values()] == [type(v) for v in doc.values()]

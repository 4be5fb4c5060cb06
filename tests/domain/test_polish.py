"""Polish number agreement (``1 fakturę``, ``2 faktury``, ``5 faktur``)."""

from __future__ import annotations

import pytest

from mock_ksef.domain.polish import invoices_accusative


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (0, "0 faktur"),
        (1, "1 fakturę"),
        (2, "2 faktury"),
        (4, "4 faktury"),
        (5, "5 faktur"),
        (11, "11 faktur"),
        (12, "12 faktur"),
        (14, "14 faktur"),
        (21, "21 faktur"),
        (22, "22 faktury"),
        (112, "112 faktur"),
        (124, "124 faktury"),
        (10001, "10001 faktur"),
    ],
)
def test_invoices_take_the_form_polish_requires(count, text):
    """One: singular; ending in 2-4 but not 12-14: "few"; everything else: "many"."""
    assert invoices_accusative(count) == text

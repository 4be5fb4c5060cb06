"""Polish number agreement for the texts the mock writes itself (not protocol constants).

Polish has three forms after a number: 1 takes the singular, numbers ending in 2, 3 or 4
(but not 12, 13 or 14) take the "few" plural, everything else the "many" plural (genitive).
"""

from __future__ import annotations


def plural(count: int, one: str, few: str, many: str) -> str:
    """``count`` followed by the form of the noun Polish grammar requires.

    Args:
        count: how many (a negative number takes the form of its absolute value).
        one: the form after 1, e.g. ``fakturę``.
        few: the form after 2-4, 22-24, ..., e.g. ``faktury``.
        many: the form after 0, 5-21, 25-31, ..., e.g. ``faktur``.
    """
    n = abs(count)
    if n == 1:
        form = one
    elif n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        form = few
    else:
        form = many
    return f"{count} {form}"


def invoices_accusative(count: int) -> str:
    """``1 fakturę``, ``2 faktury``, ``5 faktur``: the object of a verb (``zawiera``)."""
    return plural(count, "fakturę", "faktury", "faktur")

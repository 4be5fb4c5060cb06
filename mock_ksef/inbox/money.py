"""Amounts in grosze (integers): line values, totals per VAT rate, and their XML text.

Polish VAT is computed on the sum of net values per rate (art. 106e ust. 1 pkt 14), rounded
half up to the grosz; ``P_15`` is the sum of all ``P_13_*`` and ``P_14_*``. Amounts of a
foreign-currency invoice are in that currency; ``P_14_*W`` converts the VAT to PLN at the
invoice's exchange rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

#: Exchange rates are kept as integers of 1/10 000 PLN (NBP's four decimals).
RATE_SCALE = 10_000
#: Quantities are kept as integers of 1/1000 of a unit.
QTY_SCALE = 1_000


@dataclass(frozen=True)
class VatRate:
    """One VAT rate: its ``P_12`` text per form, its ``P_13``/``P_14`` field suffix, percent."""

    key: str
    fa2_text: str
    fa3_text: str
    suffix: str  # P_13_{suffix} / P_14_{suffix}
    percent: int | None  # None: no VAT amount (0 %, zw)

    def text(self, form: str) -> str:
        """``P_12`` of a line at this rate on ``form``."""
        return self.fa2_text if form == "FA (2)" else self.fa3_text


RATES: dict[str, VatRate] = {
    "23": VatRate("23", "23", "23", "1", 23),
    "8": VatRate("8", "8", "8", "2", 8),
    "5": VatRate("5", "5", "5", "3", 5),
    "0": VatRate("0", "0", "0 KR", "6_1", None),
    "zw": VatRate("zw", "zw", "zw", "7", None),
}
#: Order of the rate groups in ``Fa`` (the XSD's sequence).
RATE_ORDER = ("23", "8", "5", "0", "zw")
#: VAT percent per rate key (0 for 0 % and zw).
PERCENTS = {key: rate.percent or 0 for key, rate in RATES.items()}


def div_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half away from zero (``denominator`` > 0)."""
    sign = -1 if numerator < 0 else 1
    return sign * ((abs(numerator) * 2 + denominator) // (2 * denominator))


class Line(NamedTuple):
    """One invoice line (``FaWiersz``) or order line (``ZamowienieWiersz``); build it with
    :func:`line`, which computes ``net``."""

    name: str
    code: str  # Indeks: the seller's product code
    unit: str
    quantity: int  # thousandths of ``unit``; negative on a correction
    unit_price: int  # grosze, net
    rate: str  # key of RATES
    net: int  # grosze: quantity × price, rounded half up


def line(name: str, code: str, unit: str, quantity: int, unit_price: int, rate: str) -> Line:
    """A :class:`Line` with its net value: quantity × price, rounded half up."""
    return Line(
        name, code, unit, quantity, unit_price, rate, div_half_up(quantity * unit_price, QTY_SCALE)
    )


class RateTotal(NamedTuple):
    """``P_13_x`` / ``P_14_x`` / ``P_14_xW`` of one rate."""

    rate: str
    net: int
    vat: int  # in the invoice currency (0 for 0 % and zw)
    vat_pln: int  # P_14_xW: VAT in PLN (equals ``vat`` for a PLN invoice)


class Totals(NamedTuple):
    """The amounts an invoice states and the sums of InvoiceMetadata (BRIEF-RETRIEVAL §2.4);
    build it with :func:`totals_of`."""

    groups: tuple[RateTotal, ...]
    gross: int  # P_15
    net: int  # Σ P_13_*
    vat: int  # Σ P_14_* in the invoice currency
    vat_pln: int  # Σ P_14_*W (PLN), equal to ``vat`` for a PLN invoice


def totals_of(groups: list[RateTotal]) -> Totals:
    """The :class:`Totals` of ``groups``: P_15 = Σ nets + Σ VAT."""
    net = vat = vat_pln = 0
    for group in groups:
        net += group.net
        vat += group.vat
        vat_pln += group.vat_pln
    return Totals(tuple(groups), net + vat, net, vat, vat_pln)


def _vat_pln(vat: int, exchange_rate: int | None) -> int:
    return vat if exchange_rate is None else div_half_up(vat * exchange_rate, RATE_SCALE)


def totals_of_lines(lines: list[Line] | tuple[Line, ...], exchange_rate: int | None) -> Totals:
    """Group line nets by rate and compute VAT on each group's sum.

    Args:
        lines: the invoice lines.
        exchange_rate: PLN per unit × :data:`RATE_SCALE`, or ``None`` for a PLN invoice.
    """
    nets: dict[str, int] = {}
    for item in lines:
        nets[item.rate] = nets.get(item.rate, 0) + item.net
    groups = []
    for key in RATE_ORDER if len(nets) > 1 else nets:
        net = nets.get(key)
        if net is not None:
            percent = PERCENTS[key]
            vat = div_half_up(net * percent, 100) if percent else 0
            groups.append(RateTotal(key, net, vat, _vat_pln(vat, exchange_rate)))
    return totals_of(groups)


def totals_of_advance(order: Totals, share: int, exchange_rate: int | None) -> Totals:
    """The amounts of an advance invoice (ZAL) for ``share`` percent of ``order``'s gross.

    The advance's gross per rate is the share of the order's gross at that rate; its net and
    VAT are extracted from that gross (art. 106f ust. 1 pkt 3).
    """
    groups = []
    for group in order.groups:
        gross = div_half_up((group.net + group.vat) * share, 100)
        percent = RATES[group.rate].percent
        net = div_half_up(gross * 100, 100 + percent) if percent else gross
        vat = gross - net
        groups.append(RateTotal(group.rate, net, vat, _vat_pln(vat, exchange_rate)))
    return totals_of(groups)


def amount_bytes(grosze: int) -> bytes:
    """``TKwotowy`` text (ASCII bytes): ``1234.50``, ``-0.07``, ``0.00``."""
    if grosze < 0:
        return b"-%d.%02d" % divmod(-grosze, 100)
    return b"%d.%02d" % divmod(grosze, 100)


def quantity_bytes(thousandths: int) -> bytes:
    """``TIlosci`` text (ASCII bytes) without trailing zeros: ``2``, ``2.5``, ``-1.125``."""
    whole, part = divmod(-thousandths if thousandths < 0 else thousandths, QTY_SCALE)
    sign = b"-" if thousandths < 0 else b""
    return (
        b"%b%d" % (sign, whole) if part == 0 else (b"%b%d.%03d" % (sign, whole, part)).rstrip(b"0")
    )


def rate_bytes(rate: int) -> bytes:
    """An exchange rate (× :data:`RATE_SCALE`) as four-decimal ASCII bytes: ``4.2650``."""
    return b"%d.%04d" % divmod(rate, RATE_SCALE)

"""FA (2) / FA (3) XML of planned invoices, written as text from pre-rendered fragments.

Speed: an invoice is one ``b"".join`` of UTF-8 fragments. What is constant for the inbox
(the ``Naglowek`` up to ``DataWytworzeniaFa``, the buyer's ``Podmiot2``/``Podmiot3``, the
``Adnotacje``), for a seller (``SystemInfo``, ``Podmiot1``, ``P_1M``, ``Stopka``, each
``Platnosc`` form) and for a product line (``FaWiersz`` / ``ZamowienieWiersz`` with name,
index, unit and rate) is rendered once, escaped, and reused; per invoice only the variable
values are filled in (rows and rate groups are ``%``-templates of bytes). Every value taken
from data (names, addresses, invoice numbers, reasons, attachment texts) goes through
:func:`xml.sax.saxutils.escape`; amounts, dates, quantities and rates come from this
package's own formatters (digits, ``-``, ``.``, ``:``, ``T``, ``Z``), which need none.

The bytes are exactly what lxml's ``etree.tostring(root, xml_declaration=True,
encoding="UTF-8")`` writes for the same tree (the previous writer; ``tests/inbox`` checks
it by parsing and re-serialising, and against digests recorded from that writer).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from mock_ksef.inbox.draft import Attachment, Correction, Draft
from mock_ksef.inbox.money import RATES, Line, Totals, amount_bytes, quantity_bytes, rate_bytes
from mock_ksef.inbox.pools import Party, Seller
from mock_ksef.inbox.spec import Buyer
from mock_ksef.xml.invoice_checks import FORMS

#: ``WariantFormularza`` per form.
VARIANTS = {"FA (2)": "2", "FA (3)": "3"}
#: ``Podmiot3/Rola`` of a JST sub-unit that receives the invoice ("JST - odbiorca").
JST_RECIPIENT_ROLE = "8"
#: The constant ``Adnotacje`` block (no special procedures, no margin scheme).
ANNOTATIONS = (
    "<Adnotacje><P_16>2</P_16><P_17>2</P_17><P_18>2</P_18><P_18A>2</P_18A>"
    "<Zwolnienie><P_19N>1</P_19N></Zwolnienie>"
    "<NoweSrodkiTransportu><P_22N>1</P_22N></NoweSrodkiTransportu>"
    "<P_23>2</P_23><PMarzy><P_PMarzyN>1</P_PMarzyN></PMarzy></Adnotacje>"
)
_ATTRIBUTE = {'"': "&quot;"}
#: Element names of an invoice line and (``True``) of an order line.
ROW_TAGS = {
    False: ("FaWiersz", "NrWierszaFa", "P_7", "Indeks", "P_8A", "P_8B", "P_9A", "P_11", "P_12"),
    True: (
        "ZamowienieWiersz",
        "NrWierszaZam",
        "P_7Z",
        "IndeksZ",
        "P_8AZ",
        "P_8BZ",
        "P_9AZ",
        "P_11NettoZ",
        "P_12Z",
    ),
}


def element(name: str, text: str) -> str:
    """``<name>text</name>`` with ``text`` escaped."""
    return f"<{name}>{escape(text)}</{name}>"


def _address(party: Party) -> str:
    return (
        f"<Adres><KodKraju>PL</KodKraju>{element('AdresL1', party.street)}"
        f"{element('AdresL2', party.city_line)}</Adres>"
    )


def _contact(party: Party) -> str:
    return (
        f"<DaneKontaktowe>{element('Email', party.email)}"
        f"{element('Telefon', party.phone)}</DaneKontaktowe>"
    )


class _SellerText:
    """One seller's UTF-8 fragments: from the ``Z`` that ends ``DataWytworzeniaFa`` up to
    ``KodWaluty``'s text, from ``</P_1>`` up to ``P_2``'s text, ``</Fa>`` with the
    ``Stopka``, and its ``Platnosc`` blocks."""

    __slots__ = ("after_created", "before_number", "footer", "payments", "seller")

    def __init__(self, seller: Seller, parties: str) -> None:
        party = seller.party
        self.seller = seller
        self.after_created = (
            f"Z</DataWytworzeniaFa>{element('SystemInfo', seller.software)}</Naglowek>"
            f"<Podmiot1><DaneIdentyfikacyjne>{element('NIP', party.nip)}"
            f"{element('Nazwa', party.name)}</DaneIdentyfikacyjne>"
            f"{_address(party)}{_contact(party)}</Podmiot1>{parties}<Fa><KodWaluty>"
        ).encode()
        self.before_number = f"</P_1>{element('P_1M', party.city)}<P_2>".encode()
        krs = "" if seller.krs is None else element("KRS", seller.krs)
        self.footer = (
            f"</Fa><Stopka><Rejestry>{element('PelnaNazwa', party.name)}{krs}"
            f"{element('REGON', seller.regon)}</Rejestry></Stopka>"
        ).encode()
        #: ``Platnosc`` per (FormaPlatnosci, paid): the text before and after the date.
        self.payments: dict[tuple[str, bool], tuple[bytes, bytes]] = {}

    def payment(self, form: str, paid: bool) -> tuple[bytes, bytes]:
        """``Platnosc`` around its one date (``DataZaplaty`` or ``TerminPlatnosci/Termin``)."""
        found = self.payments.get((form, paid))
        if found is None:
            account = ""
            if form == "6":
                account = (
                    f"<RachunekBankowy>{element('NrRB', self.seller.account)}"
                    f"{element('NazwaBanku', self.seller.bank_name)}</RachunekBankowy>"
                )
            rest = f"<FormaPlatnosci>{escape(form)}</FormaPlatnosci>{account}</Platnosc>"
            head, tail = (
                (b"<Platnosc><Zaplacono>1</Zaplacono><DataZaplaty>", b"</DataZaplaty>")
                if paid
                else (b"<Platnosc><TerminPlatnosci><Termin>", b"</Termin></TerminPlatnosci>")
            )
            found = self.payments[(form, paid)] = (head, tail + rest.encode())
        return found


class FaWriter:
    """Writes :class:`Draft` values as FA XML for one form and one buyer."""

    def __init__(self, form: str, buyer: Buyer, buyer_party: Party) -> None:
        self.form = form
        namespace = escape(FORMS[form].namespace, _ATTRIBUTE)
        self._open = (
            f"<?xml version='1.0' encoding='UTF-8'?>\n<Faktura xmlns=\"{namespace}\">"
            f'<Naglowek><KodFormularza kodSystemowy="{escape(form, _ATTRIBUTE)}" '
            f'wersjaSchemy="1-0E">FA</KodFormularza>'
            f"{element('WariantFormularza', VARIANTS[form])}<DataWytworzeniaFa>"
        ).encode()
        parties = self._buyer(buyer, buyer_party)
        if buyer.identifier_type == "InternalId":
            parties += self._jst_unit(buyer, buyer_party)
        self._parties = parties
        self._sellers: dict[str, _SellerText] = {}
        #: ``%``-templates of a ``FaWiersz`` (or, ``True`` first, ``ZamowienieWiersz``) per
        #: product name, index, unit and VAT rate.
        self._rows: dict[tuple[bool, str, str, str, str], bytes] = {}
        #: Escaped ``KodWaluty`` texts, and ``Adnotacje`` + ``RodzajFaktury`` per kind.
        self._currencies: dict[str, bytes] = {}
        self._kinds: dict[str, bytes] = {}

    def write(self, draft: Draft) -> bytes:
        """The UTF-8 bytes (with XML declaration) of ``draft``."""
        seller = self._sellers.get(draft.seller.party.nip)
        if seller is None:
            seller = self._sellers[draft.seller.party.nip] = _SellerText(
                draft.seller, self._parties
            )
        rate = draft.exchange_rate
        parts = [
            self._open,
            draft.created.isoformat(timespec="seconds")[:19].encode(),
            seller.after_created,
            self._currencies.get(draft.currency) or self._currency(draft.currency),
            b"</KodWaluty><P_1>",
            draft.issue_date.encode(),
            seller.before_number,
            escape(draft.number).encode(),
            b"</P_2>",
        ]
        if draft.sale_date is not None:
            parts.append(b"<P_6>%b</P_6>" % draft.sale_date.encode())
        parts.append(_amounts(draft.totals, foreign=rate is not None))
        if draft.advance is not None and rate is not None:
            parts.append(b"<KursWalutyZ>%b</KursWalutyZ>" % rate_bytes(rate))
        parts.append(self._kinds.get(draft.kind) or self._kind(draft.kind))
        if draft.correction is not None:
            parts.append(_correction(draft.correction))
        if draft.lines:
            exchange = b"" if rate is None else b"<KursWaluty>%b</KursWaluty>" % rate_bytes(rate)
            self._lines(parts, draft.lines, False, exchange)
        if draft.kind != "KOR":
            paid = draft.due_date is None
            before, after = seller.payment(draft.payment_form, paid)
            parts += (before, (draft.issue_date if paid else draft.due_date or "").encode(), after)
        if draft.advance is not None:
            gross = amount_bytes(draft.advance.order_totals.gross)
            parts.append(b"<Zamowienie><WartoscZamowienia>%b</WartoscZamowienia>" % gross)
            self._lines(parts, draft.advance.order_lines, True, b"")
            parts.append(b"</Zamowienie>")
        parts.append(seller.footer)
        if draft.attachment is not None:
            parts.append(_attachment(draft.attachment))
        parts.append(b"</Faktura>")
        return b"".join(parts)

    # parties ---------------------------------------------------------------------------
    def _buyer(self, buyer: Buyer, party: Party) -> str:
        jst = ""
        if self.form == "FA (3)":
            jst = f"<JST>{'1' if buyer.identifier_type == 'InternalId' else '2'}</JST><GV>2</GV>"
        return (
            f"<Podmiot2><DaneIdentyfikacyjne>{element('NIP', buyer.nip)}"
            f"{element('Nazwa', party.name)}</DaneIdentyfikacyjne>"
            f"{_address(party)}{_contact(party)}{jst}</Podmiot2>"
        )

    def _jst_unit(self, buyer: Buyer, party: Party) -> str:
        return (
            f"<Podmiot3><DaneIdentyfikacyjne>{element('IDWew', buyer.value)}"
            f"{element('Nazwa', unit_name(party))}</DaneIdentyfikacyjne>"
            f"{_address(party)}<Rola>{JST_RECIPIENT_ROLE}</Rola></Podmiot3>"
        )

    # Fa ----------------------------------------------------------------------------------
    def _currency(self, code: str) -> bytes:
        text = self._currencies[code] = escape(code).encode()
        return text

    def _kind(self, kind: str) -> bytes:
        text = self._kinds[kind] = (ANNOTATIONS + element("RodzajFaktury", kind)).encode()
        return text

    def _lines(
        self, parts: list[bytes], lines: tuple[Line, ...], order: bool, exchange: bytes
    ) -> None:
        """Append a ``FaWiersz`` (``ZamowienieWiersz`` for an ``order``) per line;
        ``exchange``: the ``KursWaluty`` element or nothing."""
        rows = self._rows
        for number, line in enumerate(lines, 1):
            key = (order, line.name, line.code, line.unit, line.rate)
            template = rows.get(key) or self._row(key)
            net = amount_bytes(line.net)
            price = amount_bytes(line.unit_price)
            parts.append(template % (number, quantity_bytes(line.quantity), price, net, exchange))

    def _row(self, key: tuple[bool, str, str, str, str]) -> bytes:
        """The ``%``-template of a line of this product: number, quantity, price, net and
        the ``KursWaluty`` element are filled in per line."""
        order, *texts, rate = key
        name, index, unit = (escape(text).replace("%", "%%") for text in texts)
        row, nr, p7, ix, p8a, p8b, p9a, p11, p12 = ROW_TAGS[order]
        template = self._rows[key] = (
            f"<{row}><{nr}>%d</{nr}><{p7}>{name}</{p7}><{ix}>{index}</{ix}><{p8a}>{unit}</{p8a}>"
            f"<{p8b}>%b</{p8b}><{p9a}>%b</{p9a}><{p11}>%b</{p11}>"
            f"<{p12}>{RATES[rate].text(self.form)}</{p12}>%b</{row}>"
        ).encode()
        return template


def _amounts(totals: Totals, *, foreign: bool) -> bytes:
    """``P_13_x`` / ``P_14_x`` / ``P_14_xW`` per rate group, then ``P_15``."""
    parts = []
    for group in totals.groups:
        template, count = GROUP_TEMPLATES[group.rate, foreign]
        if count == 1:
            parts.append(template % amount_bytes(group.net))
        elif count == 2:
            parts.append(template % (amount_bytes(group.net), amount_bytes(group.vat)))
        else:
            vat, vat_pln = amount_bytes(group.vat), amount_bytes(group.vat_pln)
            parts.append(template % (amount_bytes(group.net), vat, vat_pln))
    parts.append(b"<P_15>%b</P_15>" % amount_bytes(totals.gross))
    return b"".join(parts)


def _group_template(key: str, foreign: bool) -> tuple[bytes, int]:
    """The ``%``-template of one rate group's amounts and how many it takes."""
    rate = RATES[key]
    p13, p14 = f"P_13_{rate.suffix}", f"P_14_{rate.suffix}"
    if rate.percent is None:
        return f"<{p13}>%b</{p13}>".encode(), 1
    if not foreign:
        return f"<{p13}>%b</{p13}><{p14}>%b</{p14}>".encode(), 2
    return f"<{p13}>%b</{p13}><{p14}>%b</{p14}><{p14}W>%b</{p14}W>".encode(), 3


#: :func:`_group_template` per rate key and foreign currency.
GROUP_TEMPLATES = {
    (key, foreign): _group_template(key, foreign) for key in RATES for foreign in (False, True)
}


def _correction(fix: Correction) -> bytes:
    """``PrzyczynaKorekty``, ``TypKorekty`` and ``DaneFaKorygowanej``."""
    if fix.original_ksef_number is not None:
        where = f"<NrKSeF>1</NrKSeF>{element('NrKSeFFaKorygowanej', fix.original_ksef_number)}"
    else:
        where = "<NrKSeFN>1</NrKSeFN>"
    return (
        f"{element('PrzyczynaKorekty', fix.reason)}{element('TypKorekty', fix.kind)}"
        f"<DaneFaKorygowanej>{element('DataWystFaKorygowanej', fix.original_issue_date)}"
        f"{element('NrFaKorygowanej', fix.original_number)}{where}</DaneFaKorygowanej>"
    ).encode()


def _attachment(attachment: Attachment) -> bytes:
    """``Zalacznik`` with one ``BlokDanych``."""
    meta = "".join(
        f"<MetaDane>{element('ZKlucz', key)}{element('ZWartosc', value)}</MetaDane>"
        for key, value in attachment.meta
    )
    text = "".join(element("Akapit", paragraph) for paragraph in attachment.paragraphs)
    return (
        f"<Zalacznik><BlokDanych>{element('ZNaglowek', attachment.title)}{meta}"
        f"<Tekst>{text}</Tekst></BlokDanych></Zalacznik>"
    ).encode()


def unit_name(party: Party) -> str:
    """The name of the buyer's JST sub-unit (``Podmiot3`` of an InternalId inbox)."""
    return f"Jednostka organizacyjna {party.name}"

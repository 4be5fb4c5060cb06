"""FA (2) / FA (3) XML of planned invoices, built with lxml from a per-form skeleton.

Speed: the parts that repeat are built once and reused. ``Naglowek`` and the buyer's
``Podmiot2``/``Podmiot3`` stay in the skeleton (only ``DataWytworzeniaFa`` and
``SystemInfo`` change); each seller's ``Podmiot1`` and ``Stopka`` are built on first use and
moved into the skeleton when that seller issues; the constant ``Adnotacje`` block moves into
every new ``Fa``. Only ``Fa`` and ``Zalacznik`` are built per invoice.
"""

from __future__ import annotations

import copy

from mock_ksef.inbox.draft import Attachment, Draft
from mock_ksef.inbox.money import RATES, Line, Totals, amount_text, quantity_text, rate_text
from mock_ksef.inbox.pools import Party, Seller
from mock_ksef.inbox.spec import Buyer
from mock_ksef.lxml_gate import etree
from mock_ksef.xml.invoice_checks import FORMS

#: ``WariantFormularza`` per form.
VARIANTS = {"FA (2)": "2", "FA (3)": "3"}
#: ``Podmiot3/Rola`` of a JST sub-unit that receives the invoice ("JST - odbiorca").
JST_RECIPIENT_ROLE = "8"
_SE = etree.SubElement


class FaWriter:
    """Writes :class:`Draft` values as FA XML for one form and one buyer; not thread-safe."""

    def __init__(self, form: str, buyer: Buyer, buyer_party: Party) -> None:
        self.form = form
        self.ns = FORMS[form].namespace
        self._tags: dict[str, str] = {}
        self.root = etree.Element(self.q("Faktura"), nsmap={None: self.ns})  # type: ignore[dict-item]
        header = self.sub(self.root, "Naglowek")
        code = self.sub(header, "KodFormularza", "FA")
        code.set("kodSystemowy", form)
        code.set("wersjaSchemy", "1-0E")
        self.sub(header, "WariantFormularza", VARIANTS[form])
        self._created = self.sub(header, "DataWytworzeniaFa")
        self._software = self.sub(header, "SystemInfo")
        self._fixed_before = [header]
        self._fixed_after = [self._buyer(buyer, buyer_party)]
        if buyer.identifier_type == "InternalId":
            self._fixed_after.append(self._jst_unit(buyer, buyer_party))
        self._notes = self._annotations()
        self._sellers: dict[str, tuple[etree._Element, etree._Element]] = {}
        self._rows: dict[tuple[str, str, str, str, bool], etree._Element] = {}
        self._payments: dict[tuple[str, str, bool], etree._Element] = {}

    def q(self, name: str) -> str:
        """The qualified tag of ``name`` in this form's namespace (memoised)."""
        tag = self._tags.get(name)
        if tag is None:
            tag = self._tags[name] = f"{{{self.ns}}}{name}"
        return tag

    def sub(self, parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
        """Append a child element ``name`` with ``text``."""
        tag = self._tags.get(name) or self.q(name)
        child = _SE(parent, tag)
        if text is not None:
            child.text = text
        return child

    def write(self, draft: Draft) -> bytes:
        """The UTF-8 bytes (with XML declaration) of ``draft``."""
        self._created.text = draft.created.strftime("%Y-%m-%dT%H:%M:%SZ")
        self._software.text = draft.seller.software
        seller, footer = self._seller(draft.seller)
        for child in list(self.root):
            self.root.remove(child)
        parts = [*self._fixed_before, seller, *self._fixed_after, self._fa(draft), footer]
        if draft.attachment is not None:
            parts.append(self._attachment(draft.attachment))
        self.root.extend(parts)
        return etree.tostring(self.root, xml_declaration=True, encoding="UTF-8")

    # parties ---------------------------------------------------------------------------
    def _address(self, parent: etree._Element, party: Party) -> None:
        address = self.sub(parent, "Adres")
        self.sub(address, "KodKraju", "PL")
        self.sub(address, "AdresL1", party.street)
        self.sub(address, "AdresL2", party.city_line)

    def _contact(self, parent: etree._Element, party: Party) -> None:
        contact = self.sub(parent, "DaneKontaktowe")
        self.sub(contact, "Email", party.email)
        self.sub(contact, "Telefon", party.phone)

    def _seller(self, seller: Seller) -> tuple[etree._Element, etree._Element]:
        cached = self._sellers.get(seller.party.nip)
        if cached is not None:
            return cached
        subject = etree.Element(self.q("Podmiot1"))
        ids = self.sub(subject, "DaneIdentyfikacyjne")
        self.sub(ids, "NIP", seller.party.nip)
        self.sub(ids, "Nazwa", seller.party.name)
        self._address(subject, seller.party)
        self._contact(subject, seller.party)
        footer = etree.Element(self.q("Stopka"))
        registers = self.sub(footer, "Rejestry")
        self.sub(registers, "PelnaNazwa", seller.party.name)
        if seller.krs is not None:
            self.sub(registers, "KRS", seller.krs)
        self.sub(registers, "REGON", seller.regon)
        self._sellers[seller.party.nip] = (subject, footer)
        return subject, footer

    def _buyer(self, buyer: Buyer, party: Party) -> etree._Element:
        subject = etree.Element(self.q("Podmiot2"))
        ids = self.sub(subject, "DaneIdentyfikacyjne")
        self.sub(ids, "NIP", buyer.nip)
        self.sub(ids, "Nazwa", party.name)
        self._address(subject, party)
        self._contact(subject, party)
        if self.form == "FA (3)":
            self.sub(subject, "JST", "1" if buyer.identifier_type == "InternalId" else "2")
            self.sub(subject, "GV", "2")
        return subject

    def _jst_unit(self, buyer: Buyer, party: Party) -> etree._Element:
        subject = etree.Element(self.q("Podmiot3"))
        ids = self.sub(subject, "DaneIdentyfikacyjne")
        self.sub(ids, "IDWew", buyer.value)
        self.sub(ids, "Nazwa", unit_name(party))
        self._address(subject, party)
        self.sub(subject, "Rola", JST_RECIPIENT_ROLE)
        return subject

    def _annotations(self) -> etree._Element:
        notes = etree.Element(self.q("Adnotacje"))
        for name in ("P_16", "P_17", "P_18", "P_18A"):
            self.sub(notes, name, "2")
        self.sub(self.sub(notes, "Zwolnienie"), "P_19N", "1")
        self.sub(self.sub(notes, "NoweSrodkiTransportu"), "P_22N", "1")
        self.sub(notes, "P_23", "2")
        self.sub(self.sub(notes, "PMarzy"), "P_PMarzyN", "1")
        return notes

    # Fa ----------------------------------------------------------------------------------
    def _fa(self, draft: Draft) -> etree._Element:
        fa = etree.Element(self.q("Fa"))
        sub = self.sub
        sub(fa, "KodWaluty", draft.currency)
        sub(fa, "P_1", draft.issue_date)
        sub(fa, "P_1M", draft.seller.party.city)
        sub(fa, "P_2", draft.number)
        if draft.sale_date is not None:
            sub(fa, "P_6", draft.sale_date)
        self._amounts(fa, draft.totals, foreign=draft.exchange_rate is not None)
        if draft.advance is not None and draft.exchange_rate is not None:
            sub(fa, "KursWalutyZ", rate_text(draft.exchange_rate))
        fa.append(self._notes)
        sub(fa, "RodzajFaktury", draft.kind)
        if draft.correction is not None:
            fix = draft.correction
            sub(fa, "PrzyczynaKorekty", fix.reason)
            sub(fa, "TypKorekty", fix.kind)
            data = sub(fa, "DaneFaKorygowanej")
            sub(data, "DataWystFaKorygowanej", fix.original_issue_date)
            sub(data, "NrFaKorygowanej", fix.original_number)
            if fix.original_ksef_number is not None:
                sub(data, "NrKSeF", "1")
                sub(data, "NrKSeFFaKorygowanej", fix.original_ksef_number)
            else:
                sub(data, "NrKSeFN", "1")
        rate = None if draft.exchange_rate is None else rate_text(draft.exchange_rate)
        for number, line in enumerate(draft.lines, 1):
            self._line(fa, number, line, rate)
        self._payment(fa, draft)
        if draft.advance is not None:
            order = sub(fa, "Zamowienie")
            sub(order, "WartoscZamowienia", amount_text(draft.advance.order_totals.gross))
            for number, line in enumerate(draft.advance.order_lines, 1):
                self._order_line(order, number, line)
        return fa

    def _amounts(self, fa: etree._Element, totals: Totals, *, foreign: bool) -> None:
        for group in totals.groups:
            rate = RATES[group.rate]
            self.sub(fa, f"P_13_{rate.suffix}", amount_text(group.net))
            if rate.percent is not None:
                self.sub(fa, f"P_14_{rate.suffix}", amount_text(group.vat))
                if foreign:
                    self.sub(fa, f"P_14_{rate.suffix}W", amount_text(group.vat_pln))
        self.sub(fa, "P_15", amount_text(totals.gross))

    def _line(self, fa: etree._Element, number: int, line: Line, rate: str | None) -> None:
        """Append a ``FaWiersz``: a copy of the product's cached row with the amounts set."""
        key = (line.name, line.index, line.unit, line.rate, rate is not None)
        template = self._rows.get(key)
        if template is None:
            template = self._rows[key] = self._row_template(line, rate is not None)
        row = copy.copy(template)  # lxml copies elements deep
        row[0].text = str(number)
        row[4].text = quantity_text(line.quantity)
        row[5].text = amount_text(line.unit_price)
        row[6].text = amount_text(line.net)
        if rate is not None:
            row[8].text = rate
        fa.append(row)

    def _row_template(self, line: Line, foreign: bool) -> etree._Element:
        row = etree.Element(self.q("FaWiersz"))
        self.sub(row, "NrWierszaFa")
        self.sub(row, "P_7", line.name)
        self.sub(row, "Indeks", line.index)
        self.sub(row, "P_8A", line.unit)
        for name in ("P_8B", "P_9A", "P_11"):
            self.sub(row, name)
        self.sub(row, "P_12", RATES[line.rate].text(self.form))
        if foreign:
            self.sub(row, "KursWaluty")
        return row

    def _order_line(self, order: etree._Element, number: int, line: Line) -> None:
        row = self.sub(order, "ZamowienieWiersz")
        self.sub(row, "NrWierszaZam", str(number))
        self.sub(row, "P_7Z", line.name)
        self.sub(row, "IndeksZ", line.index)
        self.sub(row, "P_8AZ", line.unit)
        self.sub(row, "P_8BZ", quantity_text(line.quantity))
        self.sub(row, "P_9AZ", amount_text(line.unit_price))
        self.sub(row, "P_11NettoZ", amount_text(line.net))
        self.sub(row, "P_12Z", RATES[line.rate].text(self.form))

    def _payment(self, fa: etree._Element, draft: Draft) -> None:
        """Append ``Platnosc``: a copy of the seller's cached block with the date set."""
        if draft.kind == "KOR":
            return
        paid = draft.due_date is None
        key = (draft.seller.party.nip, draft.payment_form, paid)
        template = self._payments.get(key)
        if template is None:
            template = self._payments[key] = self._payment_template(draft.seller, *key[1:])
        payment = copy.copy(template)
        if paid:
            payment[1].text = draft.issue_date  # DataZaplaty
        else:
            payment[0][0].text = draft.due_date  # TerminPlatnosci/Termin
        fa.append(payment)

    def _payment_template(self, seller: Seller, form: str, paid: bool) -> etree._Element:
        payment = etree.Element(self.q("Platnosc"))
        if paid:
            self.sub(payment, "Zaplacono", "1")
            self.sub(payment, "DataZaplaty")
        else:
            self.sub(self.sub(payment, "TerminPlatnosci"), "Termin")
        self.sub(payment, "FormaPlatnosci", form)
        if form == "6":
            account = self.sub(payment, "RachunekBankowy")
            self.sub(account, "NrRB", seller.account)
            self.sub(account, "NazwaBanku", seller.bank_name)
        return payment

    def _attachment(self, attachment: Attachment) -> etree._Element:
        root = etree.Element(self.q("Zalacznik"))
        block = self.sub(root, "BlokDanych")
        self.sub(block, "ZNaglowek", attachment.title)
        for key, value in attachment.meta:
            meta = self.sub(block, "MetaDane")
            self.sub(meta, "ZKlucz", key)
            self.sub(meta, "ZWartosc", value)
        text = self.sub(block, "Tekst")
        for paragraph in attachment.paragraphs:
            self.sub(text, "Akapit", paragraph)
        return root


def unit_name(party: Party) -> str:
    """The name of the buyer's JST sub-unit (``Podmiot3`` of an InternalId inbox)."""
    return f"Jednostka organizacyjna {party.name}"

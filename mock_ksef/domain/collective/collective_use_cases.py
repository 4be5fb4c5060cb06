"""The four IZ operations: G (generate), Q (query), K (by KSeF number), I (invoices).

Each takes the narrow things it needs: the IZ repository, the received invoices (for
existence, the seller and the caller's roles), the caller's context, ``now`` and limits;
the HTTP edge composes them (``http/collective_routes.py``). Checks follow BRIEF-IZ §3.1
in stage order; the first failing stage answers, naming every offending number.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from mock_ksef.domain.auth.values import ContextId
from mock_ksef.domain.collective.collective_refusals import (
    DifferentSellers,
    InvoiceNotFound,
    RepeatedKsefNumber,
    TooManyIdentifiers,
    at_maximum,
    bad_token,
    not_found,
    other_seller,
    repeated,
)
from mock_ksef.domain.collective.collective_repo import CollectiveIdentifiers
from mock_ksef.domain.collective.collective_values import (
    MAX_IZ_PER_INVOICE,
    CollectiveIdentifier,
    IzEntry,
    IzInvoiceRow,
    IzListed,
    IzQuery,
)
from mock_ksef.domain.errors import BadContinuationToken, ValidationFailed
from mock_ksef.domain.paging import Page, Position, paginate_by_key
from mock_ksef.domain.retrieval.repo import ReceivedInvoices
from mock_ksef.ids import with_checksum
from mock_ksef.timefmt import WARSAW, iso

T = TypeVar("T")
#: The widest ``dateCreatedFrom``..``dateCreatedTo`` window of Q.
MAX_WINDOW = timedelta(days=100)
#: At most this many IZ numbers in one I request.
MAX_NUMBERS = 10
#: Makes a fresh KSeF number for a seller at a time (its technical part names the IZ).
KsefNumberMaker = Callable[[str, datetime], str]


def iz_number(seller_nip: str, now: datetime, ksef_number: str) -> str:
    """``NNNNNNNNNN-IZYYYYMM-HHHHHHHHHHHH-CC``: the seller, the Polish month, the technical
    part of a fresh KSeF number, CRC-8 over the first 32 characters."""
    month = now.astimezone(WARSAW).strftime("%Y%m")
    return with_checksum(f"{seller_nip}-IZ{month}-{ksef_number.split('-')[2]}")


def has_role(invoices: ReceivedInvoices, context: ContextId, ksef_number: str) -> bool:
    """Whether ``context`` is Subject1/2/3 or SubjectAuthorized on the invoice."""
    found = invoices.get(ksef_number)
    return found is not None and context.key in {key for _, key in found[1]}


def generate(
    repo: CollectiveIdentifiers,
    invoices: ReceivedInvoices,
    context: ContextId,
    entries: Sequence[IzEntry],
    now: datetime,
    new_ksef_number: KsefNumberMaker,
    *,
    max_invoices: int,
    max_per_invoice: int = MAX_IZ_PER_INVOICE,
) -> CollectiveIdentifier:
    """G: a new IZ over ``entries`` (KSeF numbers already in their 35-character form).

    Raises:
        ValidationFailed: more entries than the context's ``maxInvoices`` (21405).
        KsefError: 71005, 71001, 71004, 71002 (BRIEF-IZ §3.1 stages 4-7).
    """
    if len(entries) > max_invoices:
        raise ValidationFailed(
            f"'invoices' must not contain more than {max_invoices} items. "
            f"You entered {len(entries)}."
        )
    numbers = [entry.ksef_number for entry in entries]
    twice = [n for i, n in enumerate(numbers) if n in numbers[:i]]
    if twice:
        raise RepeatedKsefNumber(*(repeated(n) for n in dict.fromkeys(twice)))
    records = {n: invoices.get(n) for n in numbers}
    missing = [n for n, found in records.items() if found is None]
    if missing:
        raise InvoiceNotFound(*(not_found(n) for n in missing))
    sellers = {n: found[0].content.seller_nip for n, found in records.items() if found}
    seller = sellers[numbers[0]]
    others = [n for n in numbers if sellers[n] != seller]
    if others:
        raise DifferentSellers(*(other_seller(n) for n in others))
    with repo.transaction():
        full = [n for n in numbers if repo.count_created_by(n, context.key) >= max_per_invoice]
        if full:
            raise TooManyIdentifiers(*(at_maximum(n) for n in full))
        iz = CollectiveIdentifier(
            number=iz_number(seller, now, new_ksef_number(seller, now)),
            seller_nip=seller,
            creator=context.key,
            date_created=now,
            entries=tuple(entries),
        )
        repo.save(iz)
    return iz


def _keyset_page(
    rows: list[T],
    key: Callable[[T], tuple[str, str]],
    page_size: int,
    token: str | None,
    scope: str,
) -> Page[T]:
    """``rows`` sorted by ``key`` descending, the page after the token's keyset (21418 for
    a token of another list, an edited one, or one whose position is not a key pair)."""
    rows = sorted(rows, key=key, reverse=True)

    def fetch(after: Position | None, limit: int) -> list[T]:
        if after is None:
            return rows[:limit]
        if not (
            isinstance(after, list) and len(after) == 2 and all(isinstance(a, str) for a in after)
        ):
            raise bad_token()
        mark = (str(after[0]), str(after[1]))
        return [row for row in rows if key(row) < mark][:limit]

    try:
        return paginate_by_key(fetch, lambda row: list(key(row)), page_size, token, scope=scope)
    except BadContinuationToken as exc:
        raise bad_token() from exc


def _listed_key(row: IzListed) -> tuple[str, str]:
    return iso(row.date_created), row.number


def _row_key(row: IzInvoiceRow) -> tuple[str, str]:
    return row.ksef_number, row.number


def check_query(query: IzQuery) -> None:
    """Q's cross-field rules (BRIEF-IZ §3.2).

    Raises:
        ValidationFailed: ``from`` after ``to``, a window over 100 days, bad counts (21405).
    """
    problems = []
    if query.date_from > query.date_to:
        problems.append("'dateCreatedFrom' must not be later than 'dateCreatedTo'.")
    elif query.date_to - query.date_from > MAX_WINDOW:
        problems.append("'dateCreated' range must not exceed 100 days.")
    for name, value in (("invoiceCountFrom", query.count_from), ("invoiceCountTo", query.count_to)):
        if value is not None and value < 0:
            problems.append(f"'{name}' must be greater than or equal to 0. You entered {value}.")
    if (
        query.count_from is not None
        and query.count_to is not None
        and query.count_from > query.count_to
    ):
        problems.append("'invoiceCountFrom' must not be greater than 'invoiceCountTo'.")
    if problems:
        raise ValidationFailed(*problems)


def query_identifiers(
    repo: CollectiveIdentifiers,
    context: ContextId,
    query: IzQuery,
    page_size: int,
    token: str | None,
) -> Page[IzListed]:
    """Q: IZs created here, plus (Nip contexts) IZs over this seller's invoices."""
    check_query(query)
    found = {iz.number: iz for iz in repo.created_by(context.key, query.date_from, query.date_to)}
    if context.type == "Nip":
        for iz in repo.of_seller(context.value, query.date_from, query.date_to):
            found.setdefault(iz.number, iz)
    rows = [
        IzListed(iz.number, iz.date_created, iz.invoice_count, iz.creator == context.key)
        for iz in found.values()
        if _matches(iz, context, query)
    ]
    return _keyset_page(rows, _listed_key, page_size, token, f"collective-query|{context.key}")


def _matches(iz: CollectiveIdentifier, context: ContextId, query: IzQuery) -> bool:
    here = iz.creator == context.key
    return (
        (query.number is None or iz.number == query.number)
        and (query.count_from is None or iz.invoice_count >= query.count_from)
        and (query.count_to is None or iz.invoice_count <= query.count_to)
        and (query.created_here is None or query.created_here == here)
    )


def identifiers_of_invoice(
    repo: CollectiveIdentifiers,
    invoices: ReceivedInvoices,
    context: ContextId,
    ksef_number: str,
    page_size: int,
    token: str | None,
) -> Page[IzListed]:
    """K: the IZs holding ``ksef_number`` created here, or all of them when this context
    has a role on the invoice. An unknown or foreign invoice gives an empty list."""
    members = repo.containing(ksef_number)
    if not has_role(invoices, context, ksef_number):
        members = [m for m in members if m.creator == context.key]
    rows = [IzListed(m.number, m.date_created, 0, m.creator == context.key) for m in members]
    return _keyset_page(rows, _listed_key, page_size, token, f"collective-ksef|{context.key}")


def invoices_of(
    repo: CollectiveIdentifiers,
    invoices: ReceivedInvoices,
    context: ContextId,
    numbers: Sequence[str],
    page_size: int,
    token: str | None,
) -> Page[IzInvoiceRow]:
    """I: the invoices of up to 10 IZs, with ``detailsHidden`` per row (BRIEF-IZ §3.4).

    Unknown IZs and IZs the caller is not related to (neither creator nor a role on one
    of its invoices) give no rows.

    Raises:
        ValidationFailed: no numbers or more than 10 (21405).
    """
    wanted = list(dict.fromkeys(numbers))
    if not wanted or len(numbers) > MAX_NUMBERS:
        raise ValidationFailed(
            f"'collectiveIdentifierNumbers' must contain between 1 and {MAX_NUMBERS} items. "
            f"You entered {len(numbers)}."
        )
    roles: dict[str, bool] = {}

    def role(ksef_number: str) -> bool:
        if ksef_number not in roles:
            roles[ksef_number] = has_role(invoices, context, ksef_number)
        return roles[ksef_number]

    rows: list[IzInvoiceRow] = []
    for number in wanted:
        iz = repo.get(number)
        if iz is None:
            continue
        creator = iz.creator == context.key
        if not creator and not any(role(e.ksef_number) for e in iz.entries):
            continue
        for entry in iz.entries:
            visible = creator or role(entry.ksef_number)
            rows.append(
                IzInvoiceRow(entry.ksef_number, iz.number, entry, entry.has_details and not visible)
            )
    scope = f"collective-invoices|{context.key}"
    return _keyset_page(rows, _row_key, page_size, token, scope)

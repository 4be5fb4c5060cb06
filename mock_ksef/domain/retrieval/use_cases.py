"""The retrieval use cases: ``POST /invoices/query/metadata`` and ``GET /invoices/ksef/{n}``.

Each takes the narrow things it needs (the repository, the caller, ``now``, the limits);
the HTTP edge composes them (``http/invoices.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from mock_ksef.domain.auth.values import Principal
from mock_ksef.domain.errors import Forbidden, ValidationFailed
from mock_ksef.domain.retrieval.filters import InvoiceFilters
from mock_ksef.domain.retrieval.record import InvoiceRecord
from mock_ksef.domain.retrieval.refusals import not_available, not_found
from mock_ksef.domain.retrieval.repo import ReceivedInvoices
from mock_ksef.domain.retrieval.selection import (
    DEFAULT_LIMITS,
    RetrievalLimits,
    covered_numbers,
    facet_numbers,
    resolve,
    walk_docs,
)

READ_PERMISSIONS = ("InvoiceRead", "Owner")
#: The spec's ``KsefNumber`` pattern (35 characters, or 36 with a dash in the hex part).
KSEF_NUMBER = re.compile(
    r"^([1-9](\d[1-9]|[1-9]\d)\d{7})-(20[2-9][0-9]|2[1-9]\d{2}|[3-9]\d{3})(0[1-9]|1[0-2])"
    r"(0[1-9]|[12]\d|3[01])-([0-9A-F]{6})-?([0-9A-F]{6})-([0-9A-F]{2})$"
)


@dataclass(frozen=True)
class Paging:
    """``pageOffset`` (a page index), ``pageSize`` and ``sortOrder``."""

    page_offset: int = 0
    page_size: int = 10
    descending: bool = False


@dataclass(frozen=True)
class MetadataPage:
    """``QueryInvoicesMetadataResponse``."""

    invoices: tuple[InvoiceRecord, ...]
    has_more: bool
    is_truncated: bool
    permanent_storage_hwm: datetime | None


def require_read(principal: Principal) -> None:
    """403 unless the caller may read invoices, or its context type cannot retrieve."""
    if principal.context.type == "PeppolId":
        raise Forbidden(
            "Kontekst typu PeppolId nie pozwala na pobieranie faktur.", "context-type-not-allowed"
        )
    if not set(principal.permissions) & set(READ_PERMISSIONS):
        raise Forbidden(
            "Brak uprawnień do odczytu faktur.",
            "missing-permissions",
            {
                "requiredAnyOfPermissions": ("InvoiceRead",),
                "presentPermissions": principal.permissions,
            },
        )


def cap_error(cap: int) -> ValidationFailed:
    """21405 for a page starting at or beyond the cap (the wording of TE, issue #165)."""
    number = f"{cap:,}".replace(",", " ")
    return ValidationFailed(
        f"You cannot retrieve invoices starting from number {number} or higher. "
        "Please narrow your filters."
    )


def query_metadata(
    repo: ReceivedInvoices,
    principal: Principal,
    filters: InvoiceFilters,
    paging: Paging,
    now: datetime,
    limits: RetrievalLimits = DEFAULT_LIMITS,
) -> MetadataPage:
    """One page of the records the filters select for the caller's context.

    ``hasMore``: records follow this page. ``isTruncated``: the page reaches the cap
    (record ``max_results``) and more records match (ambiguity 1 of the brief).
    """
    require_read(principal)
    cap = limits.max_results
    first = paging.page_offset * paging.page_size
    if first >= cap:
        raise cap_error(cap)
    window = resolve(repo, principal.context, filters, now, limits)
    want = min(paging.page_size, cap - first)
    if window.decides(filters) and not repo.any_pending(now):
        # Exact without filtering (the window's index range decides, the seller's index
        # for a ``sellerNip``): the store skips to the page itself.
        found = repo.entries(
            window.index,
            window.low,
            window.high,
            descending=paging.descending,
            offset=first,
            limit=want + 1,
        ).records
    elif window.facet_decides and not repo.any_pending(now):
        # One rare trait filtered alone: its sparse index's keys are the selection.
        keys = facet_numbers(repo, window, descending=paging.descending)
        found = tuple(repo.records_of(islice(keys, first, first + want + 1)))
    elif window.covering_at is not None:
        # Every filter tested on the covering index rows by the store, which also skips
        # to the page: only the page's records are read.
        numbers = covered_numbers(
            repo, window, filters, now, descending=paging.descending, offset=first, limit=want + 1
        )
        found = tuple(repo.records_of(numbers))
    else:
        selected = walk_docs(repo, window, filters, now, descending=paging.descending)
        docs = islice(selected, first, first + want + 1)
        found = tuple(repo.records(docs))
    more = len(found) > want
    return MetadataPage(
        invoices=tuple(found[:want]),
        has_more=more,
        is_truncated=more and first + want >= cap,
        permanent_storage_hwm=window.hwm,
    )


def canonical_number(ksef_number: str) -> str:
    """The stored (35-character) form of a KSeF number.

    Raises:
        ValidationFailed: 21405, the text fails the spec's ``KsefNumber`` pattern.
    """
    if not KSEF_NUMBER.fullmatch(ksef_number):
        raise ValidationFailed(
            f"'ksefNumber' must be a KSeF number (e.g. 5265877635-20250826-0100001AF629-AF); "
            f"you entered '{ksef_number}'."
        )
    if len(ksef_number) == 36:
        return ksef_number[:26] + ksef_number[27:]
    return ksef_number


def download_invoice(
    repo: ReceivedInvoices, principal: Principal, ksef_number: str, now: datetime
) -> tuple[bytes, str]:
    """The stored bytes of an invoice the caller's context sees, and their SHA-256.

    Raises:
        InvoiceNotFound: 21164, unknown or not visible in the context (existence is not
            revealed).
        InvoiceNotAvailable: 21165, accepted but not yet in permanent storage.
    """
    require_read(principal)
    number = canonical_number(ksef_number)
    found = repo.get(number)
    if found is None or principal.context.key not in {key for _, key in found[1]}:
        raise not_found(ksef_number)
    record = found[0]
    if record.available_from > now:
        raise not_available(ksef_number)
    xml = repo.xml(number)
    if xml is None:  # removed by retention with its session
        raise not_found(ksef_number)
    return xml, record.invoice_hash

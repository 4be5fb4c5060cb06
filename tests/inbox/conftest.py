"""Shared pieces of the inbox tests: the official XSDs, a spec factory, XML readers."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from lxml import etree

from mock_ksef.inbox import Buyer, InboxSpec, InvoiceMix
from mock_ksef.xml.schemas import SchemaRegistry
from tests.support.spec import spec_dir

BUYER_NIP = "5265877635"
START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2026, 3, 1, tzinfo=UTC)
#: Every trait at a high share, so that small samples hold all of them.
RICH_MIX = InvoiceMix(
    corrections=0.3, advances=0.2, attachments=0.3, foreign_currency=0.4, offline=0.3
)


@pytest.fixture(scope="session")
def schemas() -> SchemaRegistry:
    """The official invoice XSDs."""
    return SchemaRegistry(spec_dir() / "invoice-schemas")


def make_spec(**changes: object) -> InboxSpec:
    """An FA (3) inbox of 100 invoices for :data:`BUYER_NIP` in Jan-Feb 2026, changed."""
    values: dict[str, object] = {
        "buyer": Buyer("Nip", BUYER_NIP),
        "count": 100,
        "start": START,
        "end": END,
        "mix": RICH_MIX,
        "seed": 3,
    }
    values.update(changes)
    return InboxSpec(**values)  # type: ignore[arg-type]


def texts(root: etree._Element, path: str) -> list[str]:
    """Texts of the elements at ``path`` (namespace-blind, ``{*}`` added per step)."""
    star = "/".join(f"{{*}}{step}" for step in path.split("/"))
    return [el.text or "" for el in root.iterfind(star)]


def amounts(root: etree._Element, prefix: str) -> dict[str, Decimal]:
    """``Fa`` children whose names start with ``prefix``, as decimals by name."""
    fa = root.find("{*}Fa")
    assert fa is not None
    return {
        etree.QName(el).localname: Decimal(el.text or "")
        for el in fa
        if etree.QName(el).localname.startswith(prefix)
    }

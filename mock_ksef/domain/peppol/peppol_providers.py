"""The Peppol provider registry (BRIEF-ADMIN §5).

A provider logs in with its dedicated seal (``O`` = its name, ``CN`` =
``organizationIdentifier`` = its PeppolId ``P``+2 letters+6 digits) in the ``PeppolId``
context of that id; the first successful login registers it (``dateCreated`` = then).
``GET /peppol/query`` lists the registry, ``dateCreated`` desc, then ``id`` asc.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.x509.oid import NameOID

from mock_ksef.codec import from_doc, to_doc
from mock_ksef.domain.auth.values import ContextId
from mock_ksef.store import kinds
from mock_ksef.store.base import Store

PROVIDER = kinds.PEPPOL_PROVIDER
PEPPOL_ID = re.compile(r"^P[A-Z]{2}[0-9]{6}$")
#: ``organizationIdentifier`` (2.5.4.97).
_ORGANIZATION_IDENTIFIER = x509.ObjectIdentifier("2.5.4.97")
#: ``PeppolProvider.name`` is at most this long (spec).
MAX_NAME = 256


@dataclass(frozen=True)
class PeppolProvider:
    """``PeppolProvider``: its id, name and when it first logged in."""

    id: str
    name: str
    date_created: datetime


def _attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


def provider_seal(cert: x509.Certificate, context: ContextId) -> str | None:
    """The provider name when ``cert`` is the seal of the PeppolId ``context`` names.

    The seal carries the id as ``organizationIdentifier`` (or, failing that, as ``CN``)
    and the name as ``O`` (``CN`` when there is no ``O``).
    """
    if context.type != "PeppolId" or not PEPPOL_ID.match(context.value):
        return None
    subject = cert.subject
    identifier = _attribute(subject, _ORGANIZATION_IDENTIFIER) or _attribute(
        subject, NameOID.COMMON_NAME
    )
    if identifier != context.value:
        return None
    name = _attribute(subject, NameOID.ORGANIZATION_NAME) or _attribute(
        subject, NameOID.COMMON_NAME
    )
    return name[:MAX_NAME]


@dataclass(frozen=True)
class PeppolProviders:
    """Typed access to the registered providers in ``store``."""

    store: Store

    def register(self, peppol_id: str, name: str, now: datetime) -> PeppolProvider:
        """The provider ``peppol_id``, registered now unless it already is (first login wins)."""
        with self.store.transaction():
            doc = self.store.get(PROVIDER, peppol_id)
            if doc is not None:
                return from_doc(PeppolProvider, doc)
            provider = PeppolProvider(peppol_id, name, now)
            self.store.put(PROVIDER, peppol_id, to_doc(provider))
            return provider

    def page(self, offset: int, size: int) -> tuple[list[PeppolProvider], bool]:
        """Page ``offset`` (a page index) of ``size`` providers, and whether more follow."""
        every = [from_doc(PeppolProvider, doc) for doc in self.store.find(PROVIDER)]
        # dateCreated desc, id asc: sort by id first, then stably by date descending.
        every.sort(key=lambda p: p.id)
        every.sort(key=lambda p: p.date_created, reverse=True)
        start = offset * size
        return every[start : start + size], len(every) > start + size

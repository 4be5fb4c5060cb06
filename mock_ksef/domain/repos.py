"""Typed repositories over the document store (one per aggregate)."""

from __future__ import annotations

from dataclasses import dataclass

from mock_ksef.codec import from_doc, to_doc
from mock_ksef.domain.auth.values import AuthOperation, Challenge
from mock_ksef.domain.invoice import Invoice
from mock_ksef.domain.session import Session
from mock_ksef.store.base import Store

CHALLENGE = "challenge"
AUTH = "auth"
SESSION = "session"
INVOICE = "invoice"
DUPLICATE = "duplicate"
REVOKED_JTI = "revoked-jti"


@dataclass(frozen=True)
class Repos:
    """Typed access to the store."""

    store: Store

    # challenges
    def get_challenge(self, value: str) -> Challenge | None:
        """A challenge by its value."""
        doc = self.store.get(CHALLENGE, value)
        return from_doc(Challenge, doc) if doc else None

    def put_challenge(self, challenge: Challenge) -> None:
        """Save a challenge."""
        self.store.put(CHALLENGE, challenge.value, to_doc(challenge))

    # authentication operations
    def get_auth(self, reference: str) -> AuthOperation | None:
        """An authentication operation by reference."""
        doc = self.store.get(AUTH, reference)
        return from_doc(AuthOperation, doc) if doc else None

    def put_auth(self, op: AuthOperation) -> None:
        """Save an authentication operation, indexed by context."""
        self.store.put(AUTH, op.reference, to_doc(op), {"context": op.context.key})

    def auths_in_context(self, context_key: str) -> list[AuthOperation]:
        """Authentication operations of a context, oldest first."""
        return [from_doc(AuthOperation, d) for d in self.store.find(AUTH, context=context_key)]

    def revoke_jti(self, jti: str) -> None:
        """Remember a revoked token id."""
        self.store.put(REVOKED_JTI, jti, {"jti": jti})

    def is_revoked(self, jti: str) -> bool:
        """Whether a token id was revoked."""
        return self.store.get(REVOKED_JTI, jti) is not None

    # sessions
    def get_session(self, reference: str) -> Session | None:
        """A session by reference."""
        doc = self.store.get(SESSION, reference)
        return from_doc(Session, doc) if doc else None

    def put_session(self, session: Session) -> None:
        """Save a session, indexed by context and kind."""
        self.store.put(
            SESSION,
            session.reference,
            to_doc(session),
            {"context": session.context.key, "type": session.kind.value},
        )

    def sessions_in_context(self, context_key: str, kind: str) -> list[Session]:
        """Sessions of a context and kind, oldest first."""
        docs = self.store.find(SESSION, context=context_key, type=kind)
        return [from_doc(Session, d) for d in docs]

    # invoices
    def get_invoice(self, reference: str) -> Invoice | None:
        """An invoice by its (EE) reference."""
        doc = self.store.get(INVOICE, reference)
        return from_doc(Invoice, doc) if doc else None

    def put_invoice(self, invoice: Invoice) -> None:
        """Save an invoice, indexed by session and KSeF number."""
        index = {"session": invoice.session_reference}
        if invoice.ksef_number:
            index["ksef"] = invoice.ksef_number
        self.store.put(INVOICE, invoice.reference, to_doc(invoice), index)

    def invoices_in_session(self, session_reference: str) -> list[Invoice]:
        """Invoices of a session in ordinal order."""
        docs = self.store.find(INVOICE, session=session_reference)
        return sorted((from_doc(Invoice, d) for d in docs), key=lambda i: i.ordinal)

    def invoice_by_ksef_number(self, ksef_number: str) -> Invoice | None:
        """The accepted invoice with this KSeF number."""
        docs = self.store.find(INVOICE, ksef=ksef_number)
        return from_doc(Invoice, docs[0]) if docs else None

    # duplicate detection: (seller NIP, invoice kind, number) -> first acceptance
    def find_duplicate(self, key: str) -> dict[str, str] | None:
        """The original ``{ksefNumber, sessionReference}`` for a duplicate key."""
        doc = self.store.get(DUPLICATE, key)
        return {str(k): str(v) for k, v in doc.items()} if doc else None

    def remember_acceptance(self, key: str, ksef_number: str, session_reference: str) -> None:
        """Record the first acceptance of a duplicate key."""
        self.store.put(
            DUPLICATE, key, {"ksefNumber": ksef_number, "sessionReference": session_reference}
        )

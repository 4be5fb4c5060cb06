"""Typed repositories over the document store (one per aggregate)."""

from __future__ import annotations

from dataclasses import dataclass

from mock_ksef.codec import from_doc, to_doc
from mock_ksef.domain.auth.values import AuthOperation, Challenge
from mock_ksef.domain.invoice import Invoice
from mock_ksef.domain.retention import SWEEP_BUDGET, RetentionPolicy, sweep
from mock_ksef.domain.retrieval.repo import ReceivedInvoices
from mock_ksef.domain.session import Session
from mock_ksef.store.base import Cursor, Doc, Query, Store
from mock_ksef.store.generation import REVOCATIONS, bump, never_written
from mock_ksef.store.kinds import AUTH, CHALLENGE, DUPLICATE, INVOICE, REVOKED_JTI, SESSION
from mock_ksef.timefmt import iso

#: Documents re-indexed per transaction by :meth:`Repos.reindex`.
_REINDEX_PAGE = 500


@dataclass(frozen=True)
class Repos:
    """Typed access to the store.

    Every document is indexed by what its lookups and the retention sweep need (index
    values are sortable text: :func:`~mock_ksef.timefmt.iso` for times). With a
    ``retention`` policy, each new challenge also sweeps a little expired state.
    """

    store: Store
    retention: RetentionPolicy | None = None

    # challenges
    def get_challenge(self, value: str) -> Challenge | None:
        """A challenge by its value."""
        doc = self.store.get(CHALLENGE, value)
        return from_doc(Challenge, doc) if doc else None

    def put_challenge(self, challenge: Challenge) -> None:
        """Save a challenge; a new one also runs a small retention sweep."""
        self._save_challenge(challenge)
        if self.retention is not None and not challenge.used:
            sweep(self.store, self.retention, challenge.created, SWEEP_BUDGET)

    def _save_challenge(self, challenge: Challenge) -> None:
        index = {"created": iso(challenge.created)}
        self.store.put(CHALLENGE, challenge.value, to_doc(challenge), index)

    # authentication operations
    def get_auth(self, reference: str) -> AuthOperation | None:
        """An authentication operation by reference."""
        doc = self.store.get(AUTH, reference)
        return from_doc(AuthOperation, doc) if doc else None

    def put_auth(self, op: AuthOperation) -> None:
        """Save an authentication operation, indexed by context and the end of its use."""
        ends = max(op.start_date, op.refresh_valid_until or op.start_date)
        index = {"context": op.context.key, "ends": iso(ends)}
        self.store.put(AUTH, op.reference, to_doc(op), index)

    def auths_in_context(self, context_key: str) -> list[AuthOperation]:
        """Authentication operations of a context, oldest first."""
        return [from_doc(AuthOperation, d) for d in self.store.find(AUTH, context=context_key)]

    def revoke_jti(self, jti: str) -> None:
        """Remember a revoked token id (and tell every worker that one exists)."""
        self.store.put(REVOKED_JTI, jti, {"jti": jti})
        bump(self.store, REVOCATIONS)

    def is_revoked(self, jti: str) -> bool:
        """Whether a token id was revoked (no store read while none ever was)."""
        if never_written(self.store, REVOCATIONS):
            return False
        return self.store.get(REVOKED_JTI, jti) is not None

    # sessions
    def get_session(self, reference: str) -> Session | None:
        """A session by reference."""
        doc = self.store.get(SESSION, reference)
        return from_doc(Session, doc) if doc else None

    def put_session(self, session: Session) -> None:
        """Save a session, indexed by context, kind and opening time."""
        index = {
            "context": session.context.key,
            "type": session.kind.value,
            "created": iso(session.created),
        }
        self.store.put(SESSION, session.reference, to_doc(session), index)

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
        doc = {"ksefNumber": ksef_number, "sessionReference": session_reference}
        self.store.put(DUPLICATE, key, doc, {"session": session_reference})

    # migration
    def reindex(self) -> int:
        """Save every document again, so ones an older version wrote get today's index.

        ``mock-ksef state compact`` runs it; until then such documents are found as
        before but never expire. Pages by key; returns how many documents it saved.
        """
        count = 0
        for kind in (CHALLENGE, AUTH, SESSION, INVOICE, DUPLICATE):
            cursor: Cursor | None = None
            while True:
                with self.store.transaction():
                    page = self.store.query(kind, Query(after=cursor, limit=_REINDEX_PAGE))
                    for hit in page:
                        self._save_again(kind, hit.key, hit.doc)
                count += len(page)
                if len(page) < _REINDEX_PAGE:
                    break
                cursor = page[-1].cursor
        return count + ReceivedInvoices(self.store).reindex()

    def _save_again(self, kind: str, key: str, doc: Doc) -> None:
        if kind == CHALLENGE:
            self._save_challenge(from_doc(Challenge, doc))
        elif kind == AUTH:
            self.put_auth(from_doc(AuthOperation, doc))
        elif kind == SESSION:
            self.put_session(from_doc(Session, doc))
        elif kind == INVOICE:
            self.put_invoice(from_doc(Invoice, doc))
        else:
            self.remember_acceptance(key, str(doc["ksefNumber"]), str(doc["sessionReference"]))

"""The credentials model's repository over the store (its only store access).

Also reads what ``/testdata/person`` and ``/testdata/permissions`` recorded (the
documents of :mod:`mock_ksef.domain.testdata`), so they feed the rights of a login.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from mock_ksef.codec import from_doc, to_doc
from mock_ksef.domain import testdata
from mock_ksef.domain.auth.values import ContextId, Party
from mock_ksef.domain.credentials.credential_values import Grant, KsefToken, PermissionOperation
from mock_ksef.store.base import Store
from mock_ksef.store.kinds import CREDENTIAL_SEED as SEED
from mock_ksef.store.kinds import KSEF_TOKEN as TOKEN
from mock_ksef.store.kinds import PERMISSION_GRANT as GRANT
from mock_ksef.store.kinds import PERMISSION_MANAGED_CONTEXT as MANAGED
from mock_ksef.store.kinds import PERMISSION_OPERATION as OPERATION


@dataclass(frozen=True)
class CredentialRepo:
    """Typed access to tokens, grants, permission operations and test-data links."""

    store: Store

    def transaction(self) -> AbstractContextManager[None]:
        """Serialise a read-modify-write sequence."""
        return self.store.transaction()

    def next_sequence(self) -> int:
        """The next number of the credentials sequence (ordering, ids)."""
        return self.store.next_sequence("credentials")

    # --- tokens ----------------------------------------------------------------------
    def put_token(self, token: KsefToken) -> None:
        """Insert or replace a token."""
        self.store.put(
            TOKEN,
            token.reference,
            to_doc(token),
            index={"context": token.context.key, "secret": token.secret_hash},
        )

    def token(self, reference: str) -> KsefToken | None:
        """A token by its ``EC`` reference."""
        doc = self.store.get(TOKEN, reference)
        return None if doc is None else from_doc(KsefToken, doc)

    def token_by_secret(self, secret_hash: str) -> KsefToken | None:
        """The token whose full text hashes to ``secret_hash``."""
        docs = self.store.find(TOKEN, secret=secret_hash)
        return from_doc(KsefToken, docs[0]) if docs else None

    def tokens_in(self, context: ContextId) -> list[KsefToken]:
        """Every token of ``context``, oldest first."""
        return [from_doc(KsefToken, d) for d in self.store.find(TOKEN, context=context.key)]

    def all_tokens(self) -> list[KsefToken]:
        """Every token of every context, oldest first."""
        return [from_doc(KsefToken, d) for d in self.store.find(TOKEN)]

    # --- grants ----------------------------------------------------------------------
    def put_grant(self, grant: Grant) -> None:
        """Insert or replace a grant (and mark its context managed)."""
        self.store.put(
            GRANT,
            grant.id,
            to_doc(grant),
            index={
                "context": grant.context.key,
                "subject": grant.subject.key,
                "grantor": grant.grantor.key,
            },
        )
        self.store.put(MANAGED, grant.context.key, {"context": grant.context.key})

    def all_grants(self) -> list[Grant]:
        """Every grant of every context (any state), oldest first."""
        return [from_doc(Grant, d) for d in self.store.find(GRANT)]

    def grant(self, grant_id: str) -> Grant | None:
        """A grant by its id."""
        doc = self.store.get(GRANT, grant_id)
        return None if doc is None else from_doc(Grant, doc)

    def grants_in(self, context: ContextId) -> list[Grant]:
        """Every grant made in ``context`` (any state), oldest first."""
        return [from_doc(Grant, d) for d in self.store.find(GRANT, context=context.key)]

    def grants_of(self, subject: Party) -> list[Grant]:
        """Every grant ``subject`` received (any state, any context), oldest first."""
        return [from_doc(Grant, d) for d in self.store.find(GRANT, subject=subject.key)]

    def grants_made_from(self, context: ContextId) -> list[Grant]:
        """Grants made from ``context`` that act in another (subunit, EU admin), oldest first."""
        found = [from_doc(Grant, d) for d in self.store.find(GRANT, grantor=context.key)]
        return [g for g in found if g.origin == context]

    def is_managed(self, context: ContextId) -> bool:
        """Whether a grant was ever made in ``context`` (or test data named it)."""
        if self.store.get(MANAGED, context.key) is not None:
            return True
        return any(
            doc.get("contextIdentifier", {}).get("value") == context.value
            for doc in testdata.records(self.store, testdata.PERMISSION)
        )

    # --- scenario seeds --------------------------------------------------------------
    def is_seeded(self, marker: str) -> bool:
        """Whether the seeds behind ``marker`` were stored (``seeding.py``)."""
        return self.store.get(SEED, marker) is not None

    def mark_seeded(self, marker: str, at: str) -> None:
        """Record that the seeds behind ``marker`` were stored ``at``."""
        self.store.put(SEED, marker, {"at": at})

    # --- permission operations -------------------------------------------------------
    def put_operation(self, operation: PermissionOperation) -> None:
        """Insert or replace a permission operation."""
        self.store.put(OPERATION, operation.reference, to_doc(operation))

    def operation(self, reference: str) -> PermissionOperation | None:
        """A permission operation by its ``EG`` reference."""
        doc = self.store.get(OPERATION, reference)
        return None if doc is None else from_doc(PermissionOperation, doc)

    # --- test data (read only) -------------------------------------------------------
    def linked_nips(self, pesel: str) -> list[str]:
        """NIPs ``/testdata/person`` linked to ``pesel``."""
        return [
            str(doc["nip"])
            for doc in testdata.records(self.store, testdata.PERSON)
            if doc.get("pesel") == pesel
        ]

    def person(self, nip: str) -> dict[str, Any] | None:
        """The ``/testdata/person`` record of ``nip``."""
        return self.store.get(testdata.PERSON, nip)

    def subject_record(self, nip: str) -> dict[str, Any] | None:
        """The ``/testdata/subject`` record of ``nip`` (roles)."""
        return self.store.get(testdata.SUBJECT, nip)

    def subjects(self) -> list[dict[str, Any]]:
        """Every ``/testdata/subject`` record."""
        return testdata.records(self.store, testdata.SUBJECT)

    def testdata_permissions(self, context: ContextId, who: Party) -> list[str]:
        """Permission types ``/testdata/permissions`` gave ``who`` in ``context``."""
        doc = self.store.get(testdata.PERMISSION, f"{context.key}|{who.key}")
        if doc is None:
            return []
        return [str(p["permissionType"]) for p in doc.get("permissions", [])]

"""Who may log in, and with which rights: the hook a scenario engine replaces.

The default :class:`PermissivePolicy` accepts any non-empty KSeF token and any verified
certificate, granting ``DEFAULT_PERMISSIONS`` in whatever context was requested.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from mock_ksef.crypto.xades import CertificateSubject
from mock_ksef.domain.auth import DEFAULT_PERMISSIONS, ContextId

BAD_TOKEN = "Nieprawidłowy token"


@dataclass(frozen=True)
class Verdict:
    """What a policy decided about a login: final status, rights and polls at 100."""

    status_code: int = 200
    details: tuple[str, ...] = ()
    permissions: tuple[str, ...] = DEFAULT_PERMISSIONS
    pending_polls: int = 0


class AuthPolicy(Protocol):
    """Decides the outcome of a login (the hook a scenario engine replaces)."""

    def ksef_token(self, token: str, context: ContextId) -> Verdict:
        """The outcome of logging in to ``context`` with KSeF token ``token``."""
        ...

    def certificate(self, subject: CertificateSubject, context: ContextId) -> Verdict:
        """The outcome of logging in to ``context`` with a certificate of ``subject``."""
        ...


class PermissivePolicy:
    """Every non-empty token and every verified certificate gets the default rights."""

    def ksef_token(self, token: str, context: ContextId) -> Verdict:
        """Accept any non-empty token."""
        return Verdict() if token.strip() else Verdict(450, (BAD_TOKEN,), ())

    def certificate(self, subject: CertificateSubject, context: ContextId) -> Verdict:
        """Accept any subject."""
        return Verdict()

"""KSeF exception codes of tokens and permissions (rendered like every ``KsefError``)."""

from __future__ import annotations

from mock_ksef.domain.errors import KsefError


class PermissionNotHeld(KsefError):
    """26001: a token may not carry permissions its author lacks."""

    code = 26001
    description = "Nie można nadać tokenowi uprawnień których nie posiadasz."


class WrongTokenContext(KsefError):
    """26002: tokens exist only in Nip and InternalId contexts."""

    code = 26002
    description = "Nie można wygenerować tokena dla bieżącego typu kontekstu."

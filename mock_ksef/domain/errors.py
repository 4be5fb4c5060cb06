"""Domain errors. Each carries the KSeF exception code; HTTP rendering lives in http/errors.

Subclasses only set class attributes, as moto's ``ServiceException`` does.
"""

from __future__ import annotations

from collections.abc import Sequence


class KsefError(Exception):
    """A 400 error with a KSeF ``exceptionCode`` (rendered as ExceptionResponse)."""

    code: int = 21405
    description: str = "Błąd walidacji danych wejściowych."

    def __init__(self, *details: str, description: str | None = None) -> None:
        self.details: list[str] = list(details)
        if description is not None:
            self.description = description
        super().__init__(f"{self.code} {self.description} {self.details}")


class ValidationFailed(KsefError):
    """21405: input does not pass validation."""

    code = 21405
    description = "Błąd walidacji danych wejściowych."


class UnknownChallenge(KsefError):
    code = 21111
    description = "Nieprawidłowe wyzwanie autoryzacyjne."


class UnreadableDocument(KsefError):
    code = 21001
    description = "Nieczytelna treść."


class InvalidCertificate(KsefError):
    code = 21115
    description = "Nieprawidłowy certyfikat."


class SubjectMismatch(KsefError):
    code = 21117
    description = "Nieprawidłowy identyfikator podmiotu dla wskazanego typu kontekstu."


class InvalidEncoding(KsefError):
    code = 21217
    description = "Nieprawidłowe kodowanie znaków."


class SchemaViolation(KsefError):
    code = 21401
    description = "Dokument nie jest zgodny ze schemą (xsd)."


class SignatureAuthConflict(KsefError):
    code = 21406
    description = "Konflikt podpisu i typu uwierzytelnienia."


class BadXadesDocument(KsefError):
    code = 9101
    description = "Nieprawidłowy dokument."


class MissingSignature(KsefError):
    code = 9102
    description = "Brak podpisu."


class TooManySignatures(KsefError):
    code = 9103
    description = "Przekroczona liczba dozwolonych podpisów."


class BadSignature(KsefError):
    code = 9105
    description = "Nieprawidłowy podpis."


class TokenNotUsable(KsefError):
    """21301: already redeemed, not successful, or revoked."""

    code = 21301
    description = "Brak autoryzacji."


class AuthNotFound(KsefError):
    code = 21304
    description = "Brak uwierzytelnienia."


class InvoiceLimitExceeded(KsefError):
    code = 21155
    description = "Przekroczono dozwoloną liczbę faktur w sesji."


class DeceasedPerson(KsefError):
    code = 21308
    description = "Próba wykorzystania metod autoryzacyjnych osoby zmarłej."


class SessionNotFound(KsefError):
    code = 21173
    description = "Brak sesji o wskazanym numerze referencyjnym."


class InvalidSessionState(KsefError):
    code = 21180
    description = "Status sesji nie pozwala na wykonanie operacji."


class SessionUnavailable(KsefError):
    """21184 (API 2.8.0): sending in this session is paused; open a new session."""

    code = 21184
    description = "Sesja tymczasowo niedostępna."


class UpoNotFound(KsefError):
    code = 21178
    description = "Nie znaleziono UPO dla podanych kryteriów."


class EncryptedSizeMismatch(KsefError):
    code = 21402
    description = "Nieprawidłowy rozmiar pliku."


class EncryptedHashMismatch(KsefError):
    code = 21403
    description = "Nieprawidłowy skrót pliku."


class BadContinuationToken(KsefError):
    code = 21418
    description = "Przekazany token kontynuacji ma nieprawidłowy format."


class UnknownPublicKey(KsefError):
    code = 21470
    description = "Przesłany identyfikator klucza jest nieznany lub wskazuje na wycofany klucz."


class Unauthorized(Exception):
    """401: missing, malformed, expired or wrong-kind bearer token."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(detail)


class Forbidden(Exception):
    """403 with a ``reasonCode``."""

    def __init__(
        self,
        detail: str,
        reason_code: str = "missing-permissions",
        security: dict[str, str | Sequence[str]] | None = None,
    ) -> None:
        self.detail = detail
        self.reason_code = reason_code
        self.security = security
        super().__init__(detail)


class Gone(Exception):
    """410: an operation status past its retention."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(detail)

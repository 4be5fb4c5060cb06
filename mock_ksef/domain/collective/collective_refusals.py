"""The IZ side's error codes and texts, verbatim from the spec (protocol constants)."""

from __future__ import annotations

from mock_ksef.domain.errors import BadContinuationToken, KsefError


class InvoiceNotFound(KsefError):
    code = 71001
    description = "Faktura o podanym identyfikatorze nie istnieje."


class TooManyIdentifiers(KsefError):
    code = 71002
    description = "Faktura jest już przypisana do maksymalnej liczby Identyfikatorów Zbiorczych."


class DifferentSellers(KsefError):
    code = 71004
    description = "Faktury mają różnych sprzedawców."


class RepeatedKsefNumber(KsefError):
    code = 71005
    description = "Powtórzony numer KSeF w żądaniu."


#: 21418 as the IZ operations word it (the session lists say it differently).
BAD_TOKEN_TEXT = "Przesłany token kontynuacji jest nieprawidłowy."


def not_found(ksef_number: str) -> str:
    return f"Faktura o numerze KSeF {ksef_number} nie została znaleziona."


def at_maximum(ksef_number: str) -> str:
    return (
        f"Faktura o numerze KSeF {ksef_number} jest już przypisana do maksymalnej liczby "
        "Identyfikatorów Zbiorczych."
    )


def other_seller(ksef_number: str) -> str:
    return f"Faktura o numerze KSeF {ksef_number} ma innego sprzedawcę."


def repeated(ksef_number: str) -> str:
    return f"Powtórzony numer KSeF {ksef_number}."


def bad_token() -> BadContinuationToken:
    """21418 with the IZ operations' description and no details."""
    return BadContinuationToken(description=BAD_TOKEN_TEXT)

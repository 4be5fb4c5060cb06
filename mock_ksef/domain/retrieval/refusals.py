"""The retrieval operations' KSeF error codes (the texts of the spec's 400 tables)."""

from __future__ import annotations

from mock_ksef.domain.errors import KsefError

HWM_DETAILS = (
    "Parametr dateRange.from jest późniejszy niż PermanentStorageHwmDate przy włączonym "
    "restrictToPermanentStorageHwmDate."
)


class InvoiceNotFound(KsefError):
    """21164: no such invoice, or one the caller's context does not see."""

    code = 21164
    description = "Faktura o podanym identyfikatorze nie istnieje."


class InvoiceNotAvailable(KsefError):
    """21165: the KSeF number exists but permanent storage is not reached yet."""

    code = 21165
    description = "Faktura o podanym numerze KSeF nie jest jeszcze dostępna."


class OutsideHwm(KsefError):
    """21183: ``dateRange.from`` later than the HWM with the restriction on."""

    code = 21183
    description = "Zakres filtrowania wykracza poza dostępny zakres danych."


def not_found(ksef_number: str) -> InvoiceNotFound:
    """21164 with the spec's details."""
    return InvoiceNotFound(f"Faktura o numerze KSeF {ksef_number} nie została znaleziona.")


def not_available(ksef_number: str) -> InvoiceNotAvailable:
    """21165 with the spec's details."""
    return InvoiceNotAvailable(
        f"Faktura o numerze KSeF {ksef_number} została przetworzona, ale nie jest jeszcze "
        "dostępna do pobrania. Spróbuj ponownie później."
    )

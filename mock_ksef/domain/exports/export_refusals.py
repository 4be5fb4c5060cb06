"""The export operations' KSeF error codes and status texts (the spec's tables, verbatim)."""

from __future__ import annotations

from mock_ksef.domain.errors import KsefError

#: ``InvoiceExportStatusResponse.status``: code -> (description, details).
STATUS_TEXTS: dict[int, tuple[str, tuple[str, ...]]] = {
    100: ("Eksport faktur w toku", ()),
    200: ("Eksport faktur zakończony sukcesem", ()),
    210: ("Eksport faktur wygasł i nie jest już dostępny do pobrania", ()),
    415: ("Błąd odszyfrowania dostarczonego klucza", ()),
    420: (
        "Zakres filtrowania wykracza poza dostępny zakres danych",
        (
            "Parametr dateRange.from jest późniejszy niż PermanentStorageHwmDate przy "
            "włączonym restrictToPermanentStorageHwmDate.",
        ),
    ),
    500: ("Nieznany błąd (500)", ()),
    550: (
        "Operacja została anulowana przez system",
        ("Przetwarzanie zostało przerwane z przyczyn wewnętrznych systemu. Spróbuj ponownie",),
    ),
}


class ExportNotFound(KsefError):
    """21175: no such export in the caller's context."""

    code = 21175
    description = "Wynik zapytania o podanym identyfikatorze nie istnieje."


class ExportNotAllowed(KsefError):
    """21181: the subject type cannot be exported for the context type."""

    code = 21181
    description = "Nieprawidłowe żądanie eksportu faktur."


class TooManyExports(KsefError):
    """21182: the context has its limit of exports in progress."""

    code = 21182
    description = "Osiągnięto limit trwających eksportów."


def not_allowed(subject_type: str, context_type: str) -> ExportNotAllowed:
    """21181 with the spec's details."""
    return ExportNotAllowed(
        f"Nie można wyeksportować paczki faktur dla wybranego podmiotu ({subject_type}) i "
        f"zalogowanego identyfikatora kontekstu ({context_type})."
    )


def too_many(count: int) -> TooManyExports:
    """21182 with the spec's details."""
    return TooManyExports(
        "Dla uwierzytelnionego podmiotu w bieżącym kontekście osiągnięto maksymalny limit "
        f"{count} równoczesnych eksportów faktur. Spróbuj ponownie później."
    )


def not_found(reference: str) -> ExportNotFound:
    """21175, naming the reference."""
    return ExportNotFound(f"Eksport {reference} nie istnieje w bieżącym kontekście.")

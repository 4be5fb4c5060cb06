"""The KSeF exception codes of the certificate endpoints (25001–25011)."""

from __future__ import annotations

from mock_ksef.domain.errors import KsefError


class NoCsrData(KsefError):
    code = 25001
    description = (
        "Brak możliwości pobrania danych do CSR dla wykorzystanego sposobu uwierzytelnienia."
    )


class EnrollmentNotAllowed(KsefError):
    code = 25002
    description = (
        "Brak możliwości złożenia wniosku certyfikacyjnego dla wykorzystanego sposobu "
        "uwierzytelnienia."
    )


class CsrSubjectMismatch(KsefError):
    code = 25003
    description = "Dane w CSR nie zgadzają się z danymi w użytym wektorze uwierzytelniającym."


class BadCsr(KsefError):
    code = 25004
    description = "Niepoprawny format CSR lub niepoprawny podpis CSR."


class EnrollmentNotFound(KsefError):
    code = 25005
    description = "Wniosek certyfikacyjny o podanym numerze referencyjnym nie istnieje."


class EnrollmentLimit(KsefError):
    code = 25006
    description = "Osiągnięto limit możliwych do złożenia wniosków certyfikacyjnych."


class CertificateLimit(KsefError):
    code = 25007
    description = "Osiągnięto limit dopuszczalnej liczby posiadanych certyfikatów."


class CertificateNotFound(KsefError):
    code = 25008
    description = "Certyfikat o podanym numerze seryjnym nie istnieje."


class NotRevocable(KsefError):
    code = 25009
    description = (
        "Nie można odwołać wskazanego certyfikatu, ponieważ jest już odwołany, zablokowany "
        "lub nieważny."
    )


class BadKey(KsefError):
    code = 25010
    description = "Nieprawidłowy typ lub długość klucza."


class BadCsrAlgorithm(KsefError):
    code = 25011
    description = "Nieprawidłowy algorytm podpisu CSR."

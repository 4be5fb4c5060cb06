"""Word lists the generator draws from: goods and services, banks, currencies, reasons.

Faker ``pl_PL`` has company names, streets, cities and NIPs but no goods, no Polish bank
codes and no exchange rates; those live here. Prices are in grosze (1/100 PLN).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Ware:
    """A kind of goods or service: name stem, unit, price range (grosze), VAT rate."""

    name: str
    unit: str
    min_price: int
    max_price: int
    rate: str  # a rate key of :data:`mock_ksef.inbox.money.RATES`
    fractional: bool = False  # quantities with decimals (kg, h, m)


WARES: tuple[Ware, ...] = (
    Ware("Papier ksero A4 80 g", "ryza", 1_899, 3_499, "23"),
    Ware("Toner do drukarki laserowej", "szt", 12_900, 54_900, "23"),
    Ware('Laptop biznesowy 14"', "szt", 329_900, 799_900, "23"),
    Ware('Monitor LED 27"', "szt", 79_900, 249_900, "23"),
    Ware("Licencja oprogramowania (12 mies.)", "szt", 49_900, 599_900, "23"),
    Ware("Usługa wdrożeniowa IT", "h", 15_000, 38_000, "23", True),
    Ware("Usługa doradcza", "h", 20_000, 65_000, "23", True),
    Ware("Obsługa księgowa", "mies.", 60_000, 350_000, "23"),
    Ware("Transport krajowy", "km", 350, 890, "23", True),
    Ware("Wynajem powierzchni biurowej", "m2", 4_500, 12_000, "23", True),
    Ware("Olej napędowy", "l", 589, 749, "23", True),
    Ware("Stal zbrojeniowa fi 12", "t", 320_000, 480_000, "23", True),
    Ware("Cement portlandzki CEM I 42,5", "worek", 2_399, 3_699, "23"),
    Ware("Kostka brukowa szara", "m2", 3_900, 6_900, "23", True),
    Ware("Farba lateksowa biała 10 l", "szt", 9_900, 24_900, "23"),
    Ware("Krzesło biurowe obrotowe", "szt", 39_900, 129_900, "23"),
    Ware("Środek czystości uniwersalny 5 l", "szt", 2_499, 5_999, "23"),
    Ware("Serwis klimatyzacji", "usł.", 25_000, 90_000, "23"),
    Ware("Szkolenie BHP", "os.", 9_000, 25_000, "23"),
    Ware("Abonament telekomunikacyjny", "mies.", 4_900, 29_900, "23"),
    Ware("Usługa budowlana (budownictwo mieszkaniowe)", "usł.", 150_000, 2_500_000, "8"),
    Ware("Usługa gastronomiczna", "usł.", 5_000, 300_000, "8"),
    Ware("Nocleg w hotelu", "doba", 19_900, 69_900, "8"),
    Ware("Woda mineralna 1,5 l (zgrzewka)", "opak.", 1_299, 2_599, "5"),
    Ware("Kawa ziarnista 1 kg", "kg", 5_999, 14_999, "5", True),
    Ware("Książka fachowa", "szt", 3_900, 19_900, "5"),
    Ware("Pieczywo mieszane", "kg", 899, 1_899, "5", True),
    Ware("Owoce sezonowe", "kg", 599, 2_499, "5", True),
    Ware("Usługa medycyny pracy", "os.", 8_000, 25_000, "zw"),
    Ware("Ubezpieczenie majątku", "szt", 50_000, 800_000, "zw"),
    Ware("Szkolenie zawodowe (finansowane ze środków publicznych)", "os.", 30_000, 150_000, "zw"),
    Ware("Usługa pocztowa powszechna", "szt", 650, 1_890, "zw"),
    Ware("Statek morski - część zamienna", "szt", 20_000, 900_000, "0"),
)

#: (4-digit bank code, bank name) of Polish banks, for account numbers (NRB) and ``NazwaBanku``.
BANKS: tuple[tuple[str, str], ...] = (
    ("1020", "PKO Bank Polski S.A."),
    ("1050", "ING Bank Śląski S.A."),
    ("1090", "Santander Bank Polska S.A."),
    ("1140", "mBank S.A."),
    ("1160", "Bank Millennium S.A."),
    ("1240", "Bank Polska Kasa Opieki S.A."),
    ("1320", "Bank Pocztowy S.A."),
    ("1540", "Bank Ochrony Środowiska S.A."),
    ("1750", "BNP Paribas Bank Polska S.A."),
    ("2490", "Alior Bank S.A."),
)

#: Foreign currencies with a typical NBP mid rate in PLN (four decimals, as NBP publishes).
CURRENCIES: tuple[tuple[str, str], ...] = (
    ("EUR", "4.2650"),
    ("USD", "3.9420"),
    ("GBP", "4.9810"),
    ("CHF", "4.5230"),
    ("CZK", "0.1712"),
    ("SEK", "0.3695"),
    ("NOK", "0.3588"),
    ("DKK", "0.5718"),
)

CORRECTION_REASONS: tuple[str, ...] = (
    "Zwrot części towaru",
    "Rabat posprzedażowy",
    "Błędna cena jednostkowa",
    "Reklamacja ilościowa",
    "Obniżenie ceny po reklamacji jakościowej",
)

#: ``FormaPlatnosci``: 1 gotówka, 2 karta, 6 przelew (most invoices), 3 bon.
PAYMENT_FORMS: tuple[str, ...] = ("6", "6", "6", "6", "6", "6", "1", "2", "3")

#: Payment terms in days.
PAYMENT_DAYS: tuple[int, ...] = (7, 14, 14, 21, 30, 30, 45, 60)

ATTACHMENT_TITLES: tuple[str, ...] = (
    "Specyfikacja dostawy",
    "Protokół odbioru",
    "Zestawienie godzin pracy",
    "Harmonogram płatności",
)

"""Pools drawn once per seed with Faker: sellers (NIP, name, address, bank account), products.

Faker is slow per call, so each generation asks it only for the pools; every invoice then
draws from them with the seeded :class:`random.Random`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Faker is imported by whoever builds one (a cold start needs none)
    from faker import Faker

import bisect
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from mock_ksef.inbox.vocabulary import BANKS, WARES, Ware
from mock_ksef.xml.invoice_checks import nip_checksum_ok

#: Invoice numbering styles; ``{y}``, ``{m}`` and ``{n}`` are year, month and the counter.
SOFTWARE = ("Comarch ERP Optima", "enova365", "Symfonia ERP", "Subiekt nexo", "wFirma.pl", "inFakt")
NUMBER_STYLES = ("FV/{y}/{m:02d}/{n:04d}", "{n}/{m:02d}/{y}", "F{y}{m:02d}-{n:05d}", "FS {n}/{y}")
#: How often seller k (0-based) sells, relative to the first: 1 / (k + 1) ** SKEW.
SKEW = 0.8
_BRANCH_WEIGHTS = (3, 9, 7, 1, 3, 9, 7)
T = TypeVar("T")


@dataclass(frozen=True)
class Party:
    """A company on an invoice: identity, address, contact."""

    nip: str
    name: str
    street: str  # AdresL1
    city_line: str  # AdresL2: postcode and city
    city: str
    email: str
    phone: str


@dataclass(frozen=True)
class Seller:
    """A seller of the pool: its party data, bank account, registers, numbering style."""

    party: Party
    account: str  # NRB, 26 digits
    bank_name: str
    regon: str
    krs: str | None  # companies registered in KRS (not partnerships of natural persons)
    number_style: str
    software: str  # SystemInfo


@dataclass(frozen=True)
class Product:
    """A sellable item: a ware with the seller-side product code."""

    ware: Ware
    name: str
    index: str


def is_valid_nip(nip: str) -> bool:
    """A checksum-valid NIP the XSD accepts (``[1-9]((\\d[1-9])|([1-9]\\d))\\d{7}``)."""
    return nip_checksum_ok(nip) and nip[0] != "0" and nip[1:3] != "00"


def unique_nips(faker: Faker, count: int, exclude: set[str]) -> list[str]:
    """``count`` distinct valid NIPs from Faker's ``company_vat``, none in ``exclude``."""
    found: list[str] = []
    seen = set(exclude)
    while len(found) < count:
        nip = faker.company_vat()
        if nip not in seen and is_valid_nip(nip):
            seen.add(nip)
            found.append(nip)
    return found


def nrb(rng: random.Random, bank_code: str) -> str:
    """A Polish account number (26 digits) with valid branch and IBAN check digits."""
    branch = bank_code + f"{rng.randrange(1000):03d}"
    branch += str(-sum(int(d) * w for d, w in zip(branch, _BRANCH_WEIGHTS, strict=True)) % 10)
    bban = branch + f"{rng.getrandbits(53) % 10**16:016d}"
    check = 98 - int(bban + "252100") % 97  # "PL" = 25 21, check digits 00
    return f"{check:02d}{bban}"


def party(faker: Faker, nip: str, name: str | None = None) -> Party:
    """A party with Faker's address and contact data."""
    city = faker.city()
    return Party(
        nip=nip,
        name=name or faker.company(),
        street=faker.street_address(),
        city_line=f"{faker.postcode()} {city}",
        city=city,
        email=faker.company_email(),
        phone=faker.phone_number(),
    )


def sellers(faker: Faker, rng: random.Random, count: int, exclude: set[str]) -> list[Seller]:
    """The seller pool: ``count`` sellers with distinct valid NIPs (none in ``exclude``)."""
    pool = []
    for nip in unique_nips(faker, count, exclude):
        the_party = party(faker, nip)
        code, bank_name = rng.choice(BANKS)
        partnership = the_party.name.endswith(("s.c.", "S.C."))
        pool.append(
            Seller(
                party=the_party,
                account=nrb(rng, code),
                bank_name=bank_name,
                regon=faker.regon(),
                krs=None if partnership else f"{rng.randrange(1, 10**10):010d}",
                number_style=rng.choice(NUMBER_STYLES),
                software=rng.choice(SOFTWARE),
            )
        )
    return pool


def seller_weights(count: int) -> list[float]:
    """Cumulative weights for :func:`random.Random.choices`: a few sellers sell a lot."""
    return list(itertools.accumulate(1.0 / (k + 1) ** SKEW for k in range(count)))


def pick(rng: random.Random, cumulative: list[float]) -> int:
    """An index drawn with the given cumulative weights (what ``choices`` does, for one)."""
    return bisect.bisect(cumulative, rng.random() * cumulative[-1], 0, len(cumulative) - 1)


def products(faker: Faker, per_ware: int = 4) -> list[Product]:
    """Products: each ware in a few variants with the seller's product codes."""
    found = []
    for ware in WARES:
        for variant in range(per_ware):
            code = faker.bothify("??-####").upper()
            name = (
                ware.name if variant == 0 else f"{ware.name} ({faker.bothify('typ ??##').upper()})"
            )
            found.append(Product(ware, name, code))
    return found


def between(rng: random.Random, low: int, high: int) -> int:
    """An integer in ``[low, high]`` from one ``random()`` call (``randint`` is slower)."""
    return low + int(rng.random() * (high - low + 1))


def one_of(rng: random.Random, items: Sequence[T]) -> T:
    """An item of ``items`` from one ``random()`` call (``choice`` is slower)."""
    return items[int(rng.random() * len(items))]

"""The ``credentials:`` seeds of a scenario file: the IR they load to and the errors a
broken one gives (``file:line:col: path: message``), as ``scenarios validate`` prints."""

from __future__ import annotations

import pytest

from mock_ksef.scenario.loader import ScenarioError, load_scenario_text
from mock_ksef.scenario.model import GrantSeed, TokenSeed

TOKEN = "20261201-EC-7770000519-0000000001-CC|nip-7770000519|s3cr3t"
FULL = f"""\
select: {{contexts: ["7770000519"]}}
credentials:
  persons:
    - identifier: {{type: Fingerprint, value: "{"AB" * 32}"}}
      permissions: [InvoiceRead, Introspection]
      contexts: ["7770000519", "7770000519-00008"]
  entities:
    - nip: "8880000024"
      permissions: [InvoiceWrite]
  authorizations:
    - identifier: {{type: PeppolId, value: PPL123456}}
      permission: PefInvoicing
      full_name: Dostawca PEF
  tokens:
    - token: "{TOKEN}"
      permissions: [InvoiceRead]
      author: {{type: Pesel, value: "90010112301"}}
      status: Revoking
"""


def _error(text: str) -> str:
    with pytest.raises(ScenarioError) as caught:
        load_scenario_text(text, "x.yaml")
    return str(caught.value)


def test_every_seed_key_reaches_the_ir() -> None:
    plan = load_scenario_text(FULL, "x.yaml").credentials
    assert plan.grants == (
        GrantSeed(
            kind="person",
            contexts=("7770000519", "7770000519-00008"),
            subject=("Fingerprint", "AB" * 32),
            permissions=("InvoiceRead", "Introspection"),
            description="Uprawnienie ze scenariusza",
            names=("Jan", "Kowalski"),
        ),
        GrantSeed(
            kind="entity",
            contexts=("7770000519",),
            subject=("Nip", "8880000024"),
            permissions=("InvoiceWrite",),
            description="Uprawnienie ze scenariusza",
            names=("", "Podmiot 8880000024"),
        ),
        GrantSeed(
            kind="authorization",
            contexts=("7770000519",),
            subject=("PeppolId", "PPL123456"),
            permissions=("PefInvoicing",),
            description="Uprawnienie ze scenariusza",
            names=("", "Dostawca PEF"),
        ),
    )
    assert plan.tokens == (
        TokenSeed(
            token=TOKEN,
            permissions=("InvoiceRead",),
            status="Revoking",
            author=("Pesel", "90010112301"),
        ),
    )


def test_a_seed_without_a_context_is_an_error() -> None:
    text = "credentials:\n  entities:\n    - nip: '8880000024'\n      permissions: [InvoiceRead]\n"
    assert _error(text) == (
        "x.yaml:3:7: credentials.entities[0]: no context to apply it to: give `contexts` or "
        "the scenario's `select.contexts`"
    )


def test_a_token_must_have_the_official_shape() -> None:
    text = "credentials:\n  tokens:\n    - token: abc|nip-1|x\n      permissions: [InvoiceRead]\n"
    assert _error(text).startswith(
        "x.yaml:3:14: credentials.tokens[0].token: 'abc|nip-1|x' does not match "
    )


def test_a_person_identifier_type_is_checked() -> None:
    text = (
        "select: {contexts: ['7770000519']}\ncredentials:\n  persons:\n"
        "    - identifier: {type: PeppolId, value: '7770000519'}\n"
        "      permissions: [InvoiceRead]\n"
    )
    assert _error(text) == (
        "x.yaml:4:26: credentials.persons[0].identifier.type: 'PeppolId' is not one of "
        "['Pesel', 'Nip', 'Fingerprint']"
    )


def test_a_seed_internal_id_with_a_wrong_check_digit_is_an_error() -> None:
    text = (
        "credentials:\n  entities:\n    - nip: '8880000024'\n      permissions: [InvoiceRead]\n"
        "      contexts: ['7770000519-00008', '7770000519-00001']\n"
    )
    assert _error(text) == (
        "x.yaml:5:38: credentials.entities[0].contexts[1]: InternalId '7770000519-00001' has "
        "a wrong check digit: the last digit must be 8 (the 1,3,1,3… weighted sum of the "
        "first 14 digits mod 10), as KSeF checks it"
    )

"""The permissions panel in a real headless Chromium: the bundled
``credentials-read-only-user`` seeds shown as the API stores them, then a grant and a
token made over HTTP in another context, picked in the context list."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.dashboard.conftest import KsefClient
from tests.dashboard.test_dashboard import css, open_dashboard, until
from tests.support.nips import NIP

SEEDED = "Nip:7770000519"
OWNER_SET = (
    "InvoiceWrite, InvoiceRead, Introspection, CredentialsManage, CredentialsRead, "
    "SubunitManage, CollectiveIdentifierManage"
)


def _cells(browser, table: str) -> list[list[str]]:
    return [
        [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
        for row in css(browser, f"#{table} tbody tr")
    ]


def test_the_panel_lists_who_holds_what_in_a_context(browser, live, ksef: KsefClient):
    open_dashboard(browser, live)
    until(browser, lambda d: len(_cells(d, "holders")) == 4)
    assert browser.find_element(By.ID, "permissions-mode").text == f"({SEEDED}: strict)"
    assert _cells(browser, "holders") == [
        ["owner\nNip 7770000519", "owner", OWNER_SET],
        ["Biuro Rachunkowe Sp. z o.o.\nNip 8880000024", "entity", "InvoiceRead (can delegate)"],
        ["Jan Kowalski\nNip 8880000018", "person", "InvoiceWrite, InvoiceRead"],
        ["Anna Nowak\nPesel 90010112301", "person", "InvoiceRead"],
    ]
    assert browser.find_element(By.ID, "token-count").text == "(3)"
    assert [row[:3] for row in _cells(browser, "ksef-tokens")] == [
        ["20261201-EC-7770000519-0000000003-C2", "Revoked", "InvoiceWrite"],
        ["20261201-EC-7770000519-0000000002-C5", "Pending", "InvoiceWrite"],
        ["20261201-EC-7770000519-0000000001-CC", "Active", "InvoiceRead"],
    ]
    assert _cells(browser, "ksef-tokens")[2][3:] == ["Nip 7770000519", "Token tylko do odczytu"]

    grant = {
        "subjectIdentifier": {"type": "Pesel", "value": "90010112301"},
        "permissions": ["InvoiceWrite", "Introspection"],
        "description": "Wysyła faktury",
        "subjectDetails": {
            "subjectDetailsType": "PersonByIdentifier",
            "personById": {"firstName": "Ewa", "lastName": "Wiśniewska"},
        },
    }
    granted = ksef.http.post("/v2/permissions/persons/grants", json=grant)
    assert granted.status_code == 202, granted.text
    made = ksef.http.post(
        "/v2/tokens", json={"permissions": ["InvoiceRead"], "description": "Odczyt faktur"}
    )
    assert made.status_code == 202, made.text
    reference = made.json()["referenceNumber"]

    picker = Select(browser.find_element(By.ID, "permissions-context"))
    until(browser, lambda d: len(Select(d.find_element(By.ID, "permissions-context")).options) == 2)
    picker = Select(browser.find_element(By.ID, "permissions-context"))
    assert [o.text for o in picker.options] == [
        f"Nip:{NIP} — 1 holders, 1 tokens",
        f"{SEEDED} — 3 holders, 3 tokens",
    ]
    picker.select_by_value(f"Nip:{NIP}")
    until(
        browser, lambda d: d.find_element(By.ID, "permissions-mode").text.startswith(f"(Nip:{NIP}")
    )
    until(browser, lambda d: len(_cells(d, "holders")) == 2)
    assert browser.find_element(By.ID, "permissions-mode").text == f"(Nip:{NIP}: permissive)"
    assert _cells(browser, "holders")[1] == [
        "Ewa Wiśniewska\nPesel 90010112301",
        "person",
        "InvoiceWrite, Introspection",
    ]
    assert _cells(browser, "ksef-tokens") == [
        [reference, "Active", "InvoiceRead", f"Nip {NIP}", "Odczyt faktur"]
    ]
    assert not browser.find_element(By.ID, "no-permissions").is_displayed()

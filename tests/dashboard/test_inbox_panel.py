"""The inbox panel in a real headless Chromium: an inbox made over HTTP, an export run
over HTTP, both shown exactly as the API reports them; the context picker."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from mock_ksef.timefmt import WARSAW
from tests.dashboard.conftest import KsefClient
from tests.dashboard.test_dashboard import css, open_dashboard, until
from tests.support.nips import NIP

OTHER = "1234563218"
FROM = "2026-10-20T00:00:00Z"


def _inbox(ksef: KsefClient, buyer: str, count: int, seed: int) -> None:
    body = {"buyer": {"type": "Nip", "value": buyer}, "count": count, "seed": seed}
    response = ksef.http.post("/_mock/inbox", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["stored"] == count


def _newest(ksef: KsefClient) -> list[dict[str, Any]]:
    """The buyer's 10 latest invoices, as the metadata query answers them."""
    body = {"subjectType": "Subject2", "dateRange": {"dateType": "PermanentStorage", "from": FROM}}
    response = ksef.http.post(
        "/v2/invoices/query/metadata",
        json=body,
        params={"sortOrder": "Desc", "pageSize": 10},
    )
    assert response.status_code == 200, response.text
    return list(response.json()["invoices"])


def _export(ksef: KsefClient) -> tuple[str, dict[str, Any]]:
    """An export of everything the buyer received, polled once (it finishes on that poll)."""
    body = {
        "encryption": ksef.key.encryption(ksef.public_key),
        "filters": {
            "subjectType": "Subject2",
            "dateRange": {"dateType": "PermanentStorage", "from": FROM},
        },
    }
    started = ksef.http.post("/v2/invoices/exports", json=body)
    assert started.status_code == 201, started.text
    reference = str(started.json()["referenceNumber"])
    polled = ksef.http.get(f"/v2/invoices/exports/{reference}")
    assert polled.status_code == 200, polled.text
    return reference, polled.json()


def _rows(browser) -> list[list[str]]:
    return [
        [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
        for row in css(browser, "#inbox-invoices tbody tr")
    ]


def test_the_panel_shows_a_generated_inbox_and_its_export(browser, live, ksef: KsefClient):
    """12 invoices to the logged-in buyer and 3 to another NIP; the buyer's 10 newest rows
    equal the metadata query's (number, seller, gross, dates), its export row the status
    poll's; picking the other context shows its 3 invoices and no export."""
    _inbox(ksef, NIP, 12, seed=7)
    _inbox(ksef, OTHER, 3, seed=8)
    reference, polled = _export(ksef)
    assert (polled["status"]["code"], polled["package"]["invoiceCount"]) == (200, 12)
    newest = _newest(ksef)

    open_dashboard(browser, live)
    until(browser, lambda d: css(d, f'#exports tr[data-reference="{reference}"]'))
    assert browser.find_element(By.ID, "inbox-count").text == f"(Nip:{NIP}: 12 received)"
    picker = Select(browser.find_element(By.ID, "inbox-context"))
    assert [o.text for o in picker.options] == [
        f"Nip:{OTHER} — 3 received, 0 exports",
        f"Nip:{NIP} — 12 received, 1 exports",
    ]  # in key order; the one that received the most is shown first
    assert picker.first_selected_option.get_attribute("value") == f"Nip:{NIP}"
    assert _rows(browser) == [
        [
            i["ksefNumber"],
            i["invoiceNumber"],
            f"{i['seller']['name']}\n{i['seller']['nip']}",
            f"{i['grossAmount']:.2f} {i['currency']}",
            i["issueDate"],
            _warsaw(i["permanentStorageDate"]),
        ]
        for i in newest
    ]
    [export] = css(browser, "#exports tbody tr")
    assert export.get_attribute("data-code") == "200"
    assert [c.text for c in export.find_elements(By.TAG_NAME, "td")] == [
        reference,
        "200 Eksport faktur zakończony sukcesem",
        "12",
        "no",
        "2026-11-24 10:00:00",
    ]
    assert not browser.find_element(By.ID, "no-inbox").is_displayed()

    picker.select_by_value(f"Nip:{OTHER}")
    until(browser, lambda d: d.find_element(By.ID, "inbox-count").text.startswith(f"(Nip:{OTHER}"))
    until(browser, lambda d: len(_rows(d)) == 3)
    assert browser.find_element(By.ID, "inbox-count").text == f"(Nip:{OTHER}: 3 received)"
    assert css(browser, "#exports tbody tr") == []
    assert browser.find_element(By.ID, "export-count").text == "(0)"


def _warsaw(instant: str) -> str:
    """``2026-11-03T08:15:00.123+00:00`` as the page writes it (Europe/Warsaw, seconds)."""
    return datetime.fromisoformat(instant).astimezone(WARSAW).strftime("%Y-%m-%d %H:%M:%S")


def test_an_empty_mock_says_how_to_fill_an_inbox(browser, live):
    """No inbox and no export: the hint, no picker."""
    open_dashboard(browser, live)
    hint = browser.find_element(By.ID, "no-inbox")
    assert hint.is_displayed()
    assert "POST /_mock/inbox" in hint.text
    assert not browser.find_element(By.ID, "inbox-picker").is_displayed()
    assert _rows(browser) == []

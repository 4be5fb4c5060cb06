"""The dashboard in a real headless Chromium: a session runs into 440, reset, the clock."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from mock_ksef.clock import FrozenClock
from mock_ksef.threaded_server import ThreadedServer
from tests.conftest import START
from tests.dashboard.browser import VIEWPORT, read_png
from tests.dashboard.conftest import TIMEOUT_S, KsefClient
from tests.support.invoices import fa3_invoice
from tests.support.nips import NIP

ROOT = Path(__file__).resolve().parents[2]


def open_dashboard(browser: webdriver.Chrome, live: ThreadedServer) -> None:
    """Load the page and wait for its first drawn snapshot."""
    browser.get(live.url_for("/_mock/dashboard"))
    until(browser, lambda d: d.find_element(By.ID, "connection").text == "live")


def until(browser: webdriver.Chrome, condition, timeout: float = TIMEOUT_S):
    """Wait (bounded) for ``condition(driver)`` to be truthy and return its value."""
    return WebDriverWait(browser, timeout, poll_frequency=0.05).until(condition)


def css(browser: webdriver.Chrome, selector: str) -> list[WebElement]:
    return browser.find_elements(By.CSS_SELECTOR, selector)


def timeline(browser: webdriver.Chrome) -> list[tuple[str, str]]:
    """(code, text) of each drawn transition, oldest first."""
    return [(str(row.get_attribute("data-code")), row.text) for row in css(browser, "#timeline li")]


def test_a_session_runs_into_440_when_the_clock_moves_12_hours(
    browser, live, ksef: KsefClient, clock: FrozenClock, tmp_path: Path
):
    """An open session shows 100; "+12 h" ends it in 440 "Sesja anulowana" / "Nie przesłano
    faktur", with each transition's time and cause; the screenshot shows it."""
    reference = ksef.open_online()
    open_dashboard(browser, live)
    card = f'#sessions li[data-reference="{reference}"]'
    until(browser, lambda d: css(d, f'{card}[data-code="100"]'))
    [(code, text)] = timeline(browser)
    assert code == "100"
    assert text.split("\n") == [
        "100",
        "Sesja interaktywna otwarta",
        "2026-11-24 10:00:00",
        "opened under scenario natural",
    ]
    assert browser.find_element(By.ID, "selected-ref").text == reference
    assert browser.find_element(By.CSS_SELECTOR, f"{card} .when").text == (
        "opened 2026-11-24 10:00:00"
    )

    browser.find_element(By.ID, "shift-12h").click()
    until(browser, lambda d: css(d, '#timeline li[data-code="440"]'))

    assert clock.now() == START + timedelta(hours=12)
    assert browser.find_element(By.ID, "clock-now").text == "2026-11-24 22:00:00"
    codes = [code for code, _ in timeline(browser)]
    assert codes == ["100", "170", "440"]
    final = browser.find_element(By.CSS_SELECTOR, '#timeline li[data-code="440"]')
    assert final.find_element(By.CLASS_NAME, "description").text == "Sesja anulowana"
    assert final.find_element(By.CLASS_NAME, "details").text == "Nie przesłano faktur"
    assert final.find_element(By.CLASS_NAME, "when").text == "2026-11-24 22:00:00"
    assert final.find_element(By.CLASS_NAME, "cause").text == "processing finished"
    closed = browser.find_element(By.CSS_SELECTOR, '#timeline li[data-code="170"]')
    assert closed.find_element(By.CLASS_NAME, "cause").text == "session validity expired"
    assert "f-Cancelled" in str(final.get_attribute("class"))
    session = browser.find_element(By.CSS_SELECTOR, card)
    assert session.get_attribute("data-code") == "440"
    assert "Sesja anulowana" in session.text
    assert session.find_element(By.CLASS_NAME, "when").text == (
        "opened 2026-11-24 10:00:00 · 440 at 2026-11-24 22:00:00"
    )

    visible_before = final.is_displayed() and "Nie przesłano faktur" in final.text
    shot = tmp_path / "dashboard-440.png"
    assert browser.save_screenshot(str(shot))
    assert visible_before
    assert shot.is_file()
    png = read_png(shot)
    viewport = browser.execute_script("return [window.innerWidth, window.innerHeight]")
    assert (png.width, png.height) == tuple(viewport) == VIEWPORT
    assert png.distinct_samples > 8, "the screenshot is blank"


def test_reset_empties_the_session_list(browser, live, ksef: KsefClient):
    """ "Reset" forgets every session: the list, timeline and journal empty out."""
    ksef.open_online()
    ksef.open_online()
    open_dashboard(browser, live)
    until(browser, lambda d: len(css(d, "#sessions li")) == 2)
    assert not browser.find_element(By.ID, "no-sessions").is_displayed()

    browser.find_element(By.ID, "reset").click()
    until(browser, lambda d: not css(d, "#sessions li"))

    assert browser.find_element(By.ID, "no-sessions").is_displayed()
    assert not css(browser, "#timeline li")
    assert not css(browser, "#journal tbody tr")
    assert browser.find_element(By.ID, "action-message").text == "Reset: done"
    assert httpx.get(live.url_for("/_mock/sessions")).json() == {"sessions": []}


def test_clock_buttons_move_the_mock_clock(browser, live, clock: FrozenClock):
    """+1 min, +1 h and a custom move (90 min) shift the mock's clock by exactly that."""
    open_dashboard(browser, live)
    now = browser.find_element(By.ID, "clock-now")
    assert now.text == "2026-11-24 10:00:00"

    browser.find_element(By.ID, "shift-1m").click()
    until(browser, lambda d: now.text == "2026-11-24 10:01:00")
    browser.find_element(By.ID, "shift-1h").click()
    until(browser, lambda d: now.text == "2026-11-24 11:01:00")
    amount = browser.find_element(By.ID, "custom-amount")
    amount.clear()
    amount.send_keys("90")
    browser.find_element(By.ID, "custom-go").click()
    until(browser, lambda d: now.text == "2026-11-24 12:31:00")

    assert clock.now() == START + timedelta(minutes=1 + 60 + 90)
    assert browser.find_element(By.ID, "action-message").text == "Clock +90 min: done"


def test_client_text_is_shown_as_text_never_as_markup(browser, live, ksef: KsefClient):
    """An invoice number made of HTML is drawn literally; no element is created from it."""
    number = '<img src=x id=pwned onerror="document.title=1"><b>FV/1</b>'
    reference = ksef.open_online()
    ksef.send(reference, fa3_invoice(NIP, number))
    open_dashboard(browser, live)
    cell = until(browser, lambda d: css(d, '#invoices tbody tr[data-code="200"] td.mono'))[0]

    assert cell.text == number
    assert not css(browser, "#pwned, #invoices b")
    assert browser.title == "mock-ksef dashboard"
    row = browser.find_element(By.CSS_SELECTOR, "#invoices tbody tr")
    assert "Sukces" in row.text


def test_journal_rows_carry_the_date_so_a_day_later_reads_apart(
    browser, app, live, keyring, ksef: KsefClient, clock: FrozenClock
):
    """Journal times are date and time (Warsaw): a request a day later, at the same hour,
    does not read as the same time."""
    ksef.open_online()
    clock.shift(timedelta(hours=24))
    later = KsefClient(app, live, keyring, NIP)  # a fresh token: the first one expired
    with later.http:
        later.open_online()
    open_dashboard(browser, live)
    until(browser, lambda d: len(css(d, "#journal tbody tr")) == 2)
    times = [row.find_element(By.TAG_NAME, "td").text for row in css(browser, "#journal tbody tr")]
    assert times == ["2026-11-25 10:00:00", "2026-11-24 10:00:00"]


def test_the_loaded_scenario_count_is_the_banners(browser, live):
    """ "All loaded scenarios" counts the scenario files as the start-up banner does
    ("42 loaded from …") and names the built-in natural scenario apart."""
    files = sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml"))
    open_dashboard(browser, live)
    summary = browser.find_element(By.CSS_SELECTOR, "#scenarios-panel summary")
    assert summary.text == f"All loaded scenarios ({len(files)}, plus the built-in natural)"
    summary.click()
    items = [li.text for li in css(browser, "#all-scenarios li")]
    assert "natural (built-in)" in items
    assert len(items) == len(files) + 1
    readme = (ROOT / "README.md").read_text()
    assert f"(`scenarios/`, {len(files)} files, one NIP each)" in readme  # the README's number

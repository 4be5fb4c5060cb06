"""The export lifecycle: every status code with its exact texts, the synchronous errors."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mock_ksef.scenario.model import AuthPlan, ExportPlan, RetrievalPlan, Scenario
from mock_ksef.timefmt import iso
from tests.conftest import START
from tests.exports.support import BUYER, EXPORTS, export_body, fetch, inbox, start, status
from tests.lifecycle.client import Caller, with_scenario
from tests.retrieval.support import error
from tests.support.client_crypto import SessionKey, b64, sha

IN_PROGRESS = {"status": {"code": 100, "description": "Eksport faktur w toku"}}


def _caller(app, client, **plans):
    if plans:
        with_scenario(app, Scenario(name="export-case", **plans), BUYER)
    return Caller(app, client, BUYER)


def _start(app, client, buyer, **filters):
    return start(client, buyer.headers, export_body(SessionKey.fresh(), app, **filters))


def test_polls_at_100_then_done_stamped_when_it_finished(app, client, clock):
    """polls_at_100: 2 -> 100, 100, then 200 with completedDate = the finishing poll."""
    buyer = _caller(app, client, export=ExportPlan(polls_at_100=2))
    reference = _start(app, client, buyer)
    assert status(client, buyer.headers, reference) == IN_PROGRESS
    clock.shift(timedelta(seconds=5))
    assert status(client, buyer.headers, reference) == IN_PROGRESS
    clock.shift(timedelta(seconds=5))
    done = status(client, buyer.headers, reference)
    assert done["status"]["code"] == 200
    assert done["completedDate"] == iso(START + timedelta(seconds=10))


def test_a_delay_on_the_mock_clock_is_stamped_with_its_due_time(app, client, clock):
    """delay_seconds: 30 -> 100 until then, completedDate = creation + 30 s, however late polled."""
    buyer = _caller(app, client, export=ExportPlan(delay_seconds=30))
    reference = _start(app, client, buyer)
    clock.shift(timedelta(seconds=29))
    assert status(client, buyer.headers, reference) == IN_PROGRESS
    clock.shift(timedelta(seconds=100))
    done = status(client, buyer.headers, reference)
    assert done["completedDate"] == iso(START + timedelta(seconds=30))
    assert done["packageExpirationDate"] == iso(START + timedelta(days=7, seconds=30))


@pytest.mark.parametrize(
    ("code", "description", "details"),
    [
        (500, "Nieznany błąd (500)", None),
        (
            550,
            "Operacja została anulowana przez system",
            ["Przetwarzanie zostało przerwane z przyczyn wewnętrznych systemu. Spróbuj ponownie"],
        ),
        (210, "Eksport faktur wygasł i nie jest już dostępny do pobrania", None),
        (
            420,
            "Zakres filtrowania wykracza poza dostępny zakres danych",
            [
                "Parametr dateRange.from jest późniejszy niż PermanentStorageHwmDate przy "
                "włączonym restrictToPermanentStorageHwmDate."
            ],
        ),
        (415, "Błąd odszyfrowania dostarczonego klucza", None),
    ],
)
def test_forced_outcomes_carry_the_spec_texts(app, client, code, description, details):
    """force_status: the code, its verbatim description and details, completedDate, no package."""
    buyer = _caller(app, client, export=ExportPlan(force_status=code))
    body = status(client, buyer.headers, _start(app, client, buyer))
    expected = {"code": code, "description": description}
    if details:
        expected["details"] = details
    assert body == {"status": expected, "completedDate": iso(START)}


def test_a_key_the_mock_cannot_unwrap_ends_in_415(app, client):
    """201 first (not a 400), then 415."""
    buyer = _caller(app, client)
    body = export_body(SessionKey.fresh(), app)
    body["encryption"]["encryptedSymmetricKey"] = b64(b"\x01" * 256)
    reference = start(client, buyer.headers, body)
    assert status(client, buyer.headers, reference)["status"] == {
        "code": 415,
        "description": "Błąd odszyfrowania dostarczonego klucza",
    }


def test_from_beyond_the_hwm_with_the_restriction_ends_in_420(app, client):
    """restrictToPermanentStorageHwmDate and from > HWM: 201, then 420 (omit_420_details: none)."""
    buyer = _caller(app, client, retrieval=RetrievalPlan(hwm_lag_seconds=60))
    late = {"from": iso(START - timedelta(seconds=30)), "restrictToPermanentStorageHwmDate": True}
    body = status(client, buyer.headers, _start(app, client, buyer, date_range=late))
    assert body["status"]["code"] == 420
    assert body["status"]["details"] == [
        "Parametr dateRange.from jest późniejszy niż PermanentStorageHwmDate przy "
        "włączonym restrictToPermanentStorageHwmDate."
    ]
    quiet = _caller(app, client, export=ExportPlan(omit_420_details=True))
    clean = {
        "from": iso(START + timedelta(seconds=1)),
        "to": iso(START + timedelta(hours=1)),
        "restrictToPermanentStorageHwmDate": True,
    }
    body = status(client, quiet.headers, _start(app, client, quiet, date_range=clean))
    assert body["status"] == {
        "code": 420,
        "description": "Zakres filtrowania wykracza poza dostępny zakres danych",
    }


def test_ten_exports_in_progress_make_the_eleventh_21182(app, client):
    """Exports never polled stay at 100 and hold their slots; a finished one frees its slot."""
    buyer = _caller(app, client)
    references = [_start(app, client, buyer) for _ in range(10)]
    response = client.post(
        EXPORTS, json=export_body(SessionKey.fresh(), app), headers=buyer.headers
    )
    assert error(response) == (
        21182,
        "Osiągnięto limit trwających eksportów.",
        [
            "Dla uwierzytelnionego podmiotu w bieżącym kontekście osiągnięto maksymalny limit "
            "10 równoczesnych eksportów faktur. Spróbuj ponownie później."
        ],
    )
    status(client, buyer.headers, references[0])
    _start(app, client, buyer)


def test_stuck_exports_and_occupied_slots_hit_the_limit_sooner(app, client):
    """occupied_slots: 1 of concurrency_limit: 2, one stuck export -> the next is 21182."""
    plan = ExportPlan(force_status="stuck", concurrency_limit=2, occupied_slots=1)
    buyer = _caller(app, client, export=plan)
    reference = _start(app, client, buyer)
    assert status(client, buyer.headers, reference) == IN_PROGRESS
    response = client.post(
        EXPORTS, json=export_body(SessionKey.fresh(), app), headers=buyer.headers
    )
    assert error(response)[0] == 21182


def test_synchronous_errors_21470_21405_21175(app, client):
    """An unknown publicKeyId, a range over 100 days, an unknown or foreign reference."""
    buyer = _caller(app, client)
    body = export_body(SessionKey.fresh(), app)
    body["encryption"]["publicKeyId"] = "A" * 43 + "="
    assert error(client.post(EXPORTS, json=body, headers=buyer.headers)) == (
        21470,
        "Przesłany identyfikator klucza jest nieznany lub wskazuje na wycofany klucz.",
        [f"Klucz o identyfikatorze {'A' * 43}= nie jest wspierany."],
    )
    wide = export_body(SessionKey.fresh(), app, date_range={"from": "2026-01-01T00:00:00Z"})
    code, _, details = error(client.post(EXPORTS, json=wide, headers=buyer.headers))
    assert (code, details) == (21405, ["'dateRange' must not exceed 100 days."])
    bad = export_body(SessionKey.fresh(), app)
    bad["compressionType"] = "Rar"
    code, _, details = error(client.post(EXPORTS, json=bad, headers=buyer.headers))
    assert code == 21405
    assert details == [
        "compressionType: 'compressionType' must be one of 'Zip', 'TarGz'. You entered 'Rar'."
    ]
    reference = _start(app, client, buyer)
    stranger = Caller(app, client, "1234563218")
    for headers, asked in ((stranger.headers, reference), (buyer.headers, reference[:-2] + "00")):
        response = client.get(f"{EXPORTS}/{asked}", headers=headers)
        assert error(response) == (
            21175,
            "Wynik zapytania o podanym identyfikatorze nie istnieje.",
            [f"Eksport {asked} nie istnieje w bieżącym kontekście."],
        )


def test_without_invoice_read_an_export_is_403(app, client):
    """The permission is checked before the body."""
    buyer = _caller(app, client, auth=AuthPlan(permissions=("InvoiceWrite",)))
    response = client.post(EXPORTS, json={}, headers=buyer.headers)
    assert response.status_code == 403
    assert response.json["security"]["requiredAnyOfPermissions"] == ["InvoiceRead"]


def test_the_package_expires_into_210_and_the_status_into_410(app, client, clock):
    """package_ttl 60 s: 200, then 210 (links refused); after the retention: 410 Gone."""
    inbox(app, 2)
    plan = ExportPlan(package_ttl_seconds=60, status_retention_seconds=3600)
    buyer = _caller(app, client, export=plan)
    reference = _start(app, client, buyer)
    url = status(client, buyer.headers, reference)["package"]["parts"][0]["url"]
    clock.shift(timedelta(seconds=60))
    assert status(client, buyer.headers, reference) == {
        "status": {
            "code": 210,
            "description": "Eksport faktur wygasł i nie jest już dostępny do pobrania",
        },
        "completedDate": iso(START),
    }
    assert fetch(client, url).status_code == 403
    clock.shift(timedelta(seconds=3540))
    buyer = Caller(app, client, BUYER)
    response = client.get(f"{EXPORTS}/{reference}", headers=buyer.headers)
    assert response.status_code == 410
    assert response.json["detail"] == "Operacja wygasła i nie jest już dostępna."


@pytest.mark.parametrize(
    "what", ["part_hash", "encrypted_part_hash", "meta_hash", "drop_meta_hash", "bytes"]
)
def test_a_corrupt_part_is_spoiled_exactly_where_asked(app, client, what):
    """Each corruption spoils one thing of part 1 and leaves the others true."""
    inbox(app, 3)
    buyer = _caller(app, client, export=ExportPlan(corrupt=what))
    key = SessionKey.fresh()
    reference = start(client, buyer.headers, export_body(key, app))
    [part] = status(client, buyer.headers, reference)["package"]["parts"]
    response = fetch(client, part["url"])
    data = response.data
    header = response.headers.get("x-ms-meta-hash")
    from mock_ksef.crypto.envelope import aes_cbc_decrypt

    true_hash = sha(data) if what != "bytes" else None
    if what == "part_hash":
        assert header == part["encryptedPartHash"] == sha(data)
        assert sha(aes_cbc_decrypt(key.key, key.iv, data)) != part["partHash"]
    elif what == "encrypted_part_hash":
        assert header == sha(data) != part["encryptedPartHash"]
    elif what == "meta_hash":
        assert part["encryptedPartHash"] == true_hash != header
    elif what == "drop_meta_hash":
        assert header is None
        assert part["encryptedPartHash"] == true_hash
    else:
        assert header == part["encryptedPartHash"] != sha(data)

"""Form codes, public links and schema sources of online sessions."""

from __future__ import annotations

import dataclasses
import logging

from mock_ksef.app import create_app
from tests.support.client_crypto import FA2, FA3, SessionKey
from tests.support.invoices import fa2_invoice, fa3_invoice
from tests.support.nips import NIP
from tests.support.principal import access_token
from tests.support.spec import spec_dir


def _flow(client, auth, keyring, form, xml):
    key = SessionKey.fresh()
    public = keyring.symmetric_key.certificate.public_key()
    opened = client.post(
        "/v2/sessions/online",
        json={"formCode": form, "encryption": key.encryption(public)},
        headers=auth,
    )
    ref = opened.json["referenceNumber"]
    sent = client.post(
        f"/v2/sessions/online/{ref}/invoices", json=key.send_request(xml), headers=auth
    )
    inv = client.get(f"/v2/sessions/{ref}/invoices/{sent.json['referenceNumber']}", headers=auth)
    client.post(f"/v2/sessions/online/{ref}/close", headers=auth)
    return ref, inv.json, client.get(f"/v2/sessions/{ref}", headers=auth).json


def test_fa2_session_accepts_an_fa2_invoice(app, client, keyring):
    """FA (2) is served with its own XSD; a valid FA(2) invoice is accepted."""
    auth = {"Authorization": f"Bearer {access_token(app, NIP)}"}
    _, invoice, state = _flow(client, auth, keyring, FA2, fa2_invoice(NIP, "FV/FA2/1"))
    assert invoice["status"]["code"] == 200
    assert state["status"]["code"] == 200


def test_fa3_invoice_in_an_fa2_session_is_430(app, client, keyring):
    """An invoice of another form than the session's fails with 430."""
    auth = {"Authorization": f"Bearer {access_token(app, NIP)}"}
    _, invoice, state = _flow(client, auth, keyring, FA2, fa3_invoice(NIP, "FV/FA2/2"))
    assert invoice["status"]["code"] == 430
    assert state["status"]["code"] == 445


def test_links_use_the_configured_public_url(settings, clock, keyring):
    """UPO links are absolute on public_url, e.g. a host name other containers can reach."""
    app = create_app(
        dataclasses.replace(settings, public_url="http://mock-ksef:8080/"),
        clock=clock,
        keys=keyring,
    )
    client = app.test_client()
    auth = {"Authorization": f"Bearer {access_token(app, NIP)}"}
    ref, invoice, state = _flow(client, auth, keyring, FA3, fa3_invoice(NIP, "FV/URL/1"))
    prefix = f"http://mock-ksef:8080/storage/01/{ref.lower()}/"
    assert invoice["upoDownloadUrl"].startswith(prefix + "invoice-upo/upo_")
    [page] = state["upo"]["pages"]
    assert page["downloadUrl"].startswith(f"{prefix}session-upo/{page['referenceNumber']}.xml?")
    assert page["downloadUrlExpirationDate"] == "2026-11-27T09:00:00.000000+00:00"
    served = client.get(page["downloadUrl"].removeprefix("http://mock-ksef:8080"))
    assert served.status_code == 200


def test_tampered_or_expired_link_is_403(app, client, keyring, clock):
    """A storage link with a wrong signature, or past its expiry, is refused."""
    from datetime import timedelta

    auth = {"Authorization": f"Bearer {access_token(app, NIP)}"}
    _, _, state = _flow(client, auth, keyring, FA3, fa3_invoice(NIP, "FV/URL/2"))
    url = state["upo"]["pages"][0]["downloadUrl"].removeprefix("http://localhost")
    tampered = client.get(url[:-4] + "0000")
    assert tampered.status_code == 403
    assert tampered.json["reasonCode"] == "insufficient-resource-access"
    clock.shift(timedelta(days=3, seconds=1))
    assert client.get(url).status_code == 403


def test_missing_schemas_are_announced_once_at_start_up(settings, clock, keyring, caplog, tmp_path):
    """Form codes without an XSD are named in one DEBUG line when an app starts.

    (Every worker builds an app; ``mock-ksef serve`` says it once, in its banner.)
    """
    (tmp_path / "FA").mkdir()
    source = spec_dir() / "invoice-schemas" / "FA"
    for path in [*source.glob("*.xsd"), *(source / "bazowe").glob("*.xsd")]:
        (tmp_path / "FA" / path.name).write_bytes(path.read_bytes())
    with caplog.at_level(logging.DEBUG, logger="mock_ksef"):
        create_app(
            dataclasses.replace(settings, schema_dir=str(tmp_path)), clock=clock, keys=keyring
        )
    warnings = [r.getMessage() for r in caplog.records if "no XSD" in r.getMessage()]
    assert len(warnings) == 1
    assert "FA_RR (1), PEF (3), PEF_KOR (3)" in warnings[0]
    assert "FA (3)" not in warnings[0]

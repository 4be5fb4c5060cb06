"""The unmodified ``ksef-client`` SDK runs a full online session against the mock."""

from __future__ import annotations

from typing import Any

import pytest
from ksef_client.exceptions import KsefApiError
from lxml import etree

from mock_ksef.ids import KSEF_NUMBER_RE, has_valid_checksum
from tests.support.exceptions import exception_code
from tests.support.invoices import fa3_invoice
from tests.support.nips import NIP
from tests.support.sdk import login, open_fa3, poll_final
from tests.support.spec import spec_dir

UPO_NS = {"u": "http://upo.schematy.mf.gov.pl/KSeF/v4-3"}


def _upo_valid(data: bytes) -> etree._Element:
    root = etree.fromstring(data)
    signatures = root.findall("{http://www.w3.org/2000/09/xmldsig#}Signature")
    assert len(signatures) == 1
    root.remove(signatures[0])
    schema = etree.XMLSchema(etree.parse(str(spec_dir() / "upo" / "upo-v4-3.xsd")))
    assert schema.validate(etree.ElementTree(root)), schema.error_log
    return root


def test_full_online_flow_with_one_valid_and_one_invalid_invoice(sdk):
    """Login, open FA(3), send a valid and an invalid invoice, close, poll, read, UPO."""
    token = login(sdk, NIP)
    workflow, session = open_fa3(sdk, token)
    ref = session.reference_number
    good = workflow.send_invoice(
        session_reference_number=ref,
        invoice_xml=fa3_invoice(NIP, "FV/SDK/1"),
        encryption_data=session.encryption_data,
        access_token=token,
    )
    invalid_xml = (
        fa3_invoice(NIP, "FV/SDK/2").replace(b"<P_1>", b"<P_1X>").replace(b"</P_1>", b"</P_1X>")
    )
    bad = workflow.send_invoice(
        session_reference_number=ref,
        invoice_xml=invalid_xml,
        encryption_data=session.encryption_data,
        access_token=token,
    )
    workflow.close_session(ref, token)

    state = poll_final(sdk, ref, token)
    assert state.status.code == 200
    assert state.successful_invoice_count == 1
    assert state.failed_invoice_count == 1

    accepted = sdk.sessions.get_session_invoice_status(
        ref, good.reference_number, access_token=token
    )
    assert accepted.status.code == 200
    assert KSEF_NUMBER_RE.match(accepted.ksef_number)
    assert has_valid_checksum(accepted.ksef_number)
    rejected = sdk.sessions.get_session_invoice_status(
        ref, bad.reference_number, access_token=token
    )
    assert rejected.status.code == 430
    assert rejected.ksef_number is None

    invoice_upo = _upo_valid(
        sdk.sessions.get_session_invoice_upo_by_ref(ref, good.reference_number, access_token=token)
    )
    assert (
        invoice_upo.findtext("u:Dokument/u:NumerKSeFDokumentu", namespaces=UPO_NS)
        == accepted.ksef_number
    )
    by_number = sdk.sessions.get_session_invoice_upo_by_ksef(
        ref, accepted.ksef_number, access_token=token
    )
    assert (
        etree.fromstring(by_number).findtext("u:Dokument/u:SkrotDokumentu", namespaces=UPO_NS)
        == accepted.invoice_hash
    )
    [page] = state.upo.pages
    session_upo = _upo_valid(
        sdk.sessions.get_session_upo(ref, page.reference_number, access_token=token)
    )
    assert session_upo.findtext("u:NumerReferencyjnySesji", namespaces=UPO_NS) == ref
    assert len(session_upo.findall("u:Dokument", UPO_NS)) == 1

    failed = sdk.sessions.get_session_failed_invoices(ref, access_token=token)
    assert [i.reference_number for i in failed.invoices] == [bad.reference_number]


def test_sdk_sees_the_spec_error_for_a_closed_session(sdk):
    """Sending to a closed session raises the SDK's API error carrying 21180."""
    token = login(sdk, NIP)
    workflow, session = open_fa3(sdk, token)
    workflow.close_session(session.reference_number, token)
    with pytest.raises(KsefApiError) as caught:
        workflow.send_invoice(
            session_reference_number=session.reference_number,
            invoice_xml=fa3_invoice(NIP, "FV/SDK/3"),
            encryption_data=session.encryption_data,
            access_token=token,
        )
    assert caught.value.status_code == 400
    body: Any = caught.value.response_body
    assert exception_code(body) == 21180

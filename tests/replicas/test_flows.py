"""The unmodified ``ksef-client`` through a balancer that switches replica on every request.

Two ``mock-ksef serve`` processes share one store (``conftest.py``); the balancer's
record says which replica answered each request, so the tests prove that consecutive
steps of one flow were answered by different processes.
"""

from __future__ import annotations

import json
import urllib.request

from ksef_client.models import OpenBatchSessionRequest
from ksef_client.services.batch import encrypt_batch_parts
from ksef_client.services.crypto import build_encryption_data
from ksef_client.services.workflows import BatchUploadHelper
from ksef_client.utils.zip_utils import build_zip
from lxml import etree

from mock_ksef.ids import KSEF_NUMBER_RE
from tests.e2e.test_sdk_exports import export
from tests.exports.support import BUYER
from tests.replicas.conftest import Replicas
from tests.support.invoices import fa3_invoice
from tests.support.nips import NIP
from tests.support.sdk import FA3, login, open_fa3, poll_final

UPO_NS = {"u": "http://upo.schematy.mf.gov.pl/KSeF/v4-3"}


def alternates(replicas: Replicas) -> None:
    """Every request went to the other replica than the one before it."""
    served = [e.replica for e in replicas.balancer.exchanges]
    assert len(served) > 4
    assert served == [i % 2 for i in range(len(served))], served


def test_online_flow_alternating_replica_on_every_request(replicas, sdk):
    """Login, open, send two invoices, close, poll, invoice list, UPO: each step elsewhere."""
    token = login(sdk, NIP)
    workflow, session = open_fa3(sdk, token)
    ref = session.reference_number
    sent = [
        workflow.send_invoice(
            session_reference_number=ref,
            invoice_xml=fa3_invoice(NIP, f"FV/REP/{n}"),
            encryption_data=session.encryption_data,
            access_token=token,
        ).reference_number
        for n in (1, 2)
    ]
    workflow.close_session(ref, token)
    state = poll_final(sdk, ref, token)
    assert (state.status.code, state.successful_invoice_count) == (200, 2)
    listed = sdk.sessions.get_session_invoices(ref, page_size=10, access_token=token)
    assert sorted(i.reference_number for i in listed.invoices) == sorted(sent)
    assert all(KSEF_NUMBER_RE.match(i.ksef_number) for i in listed.invoices)
    [page] = state.upo.pages
    upo = etree.fromstring(
        sdk.sessions.get_session_upo(ref, page.reference_number, access_token=token)
    )
    assert upo.findtext("u:NumerReferencyjnySesji", namespaces=UPO_NS) == ref
    assert len(upo.findall("u:Dokument", UPO_NS)) == 2
    alternates(replicas)
    sends = replicas.balancer.served_by(f"/sessions/online/{ref}/invoices", "POST")
    assert sends == [sends[0], 1 - sends[0]]  # one invoice to each replica


def test_batch_parts_uploaded_to_one_replica_closed_on_the_other(replicas, sdk):
    """Four parts PUT one by one (two to each replica); the close on either; all 6 accepted."""
    token = login(sdk, NIP)
    files = {f"REP/{n}.xml": fa3_invoice(NIP, f"FV/REP/B/{n}") for n in range(1, 7)}
    archive = build_zip(files)
    encryption = build_encryption_data(
        sdk.security.get_public_key_certificate_pem("SymmetricKeyEncryption")
    )
    parts, batch_file = encrypt_batch_parts(
        archive, encryption.key, encryption.iv, max_part_size=-(-len(archive) // 4)
    )
    assert encryption.encryption_info is not None
    opened = sdk.sessions.open_batch_session(
        OpenBatchSessionRequest(
            form_code=FA3, batch_file=batch_file, encryption=encryption.encryption_info
        ),
        access_token=token,
    )
    BatchUploadHelper(sdk.http_client).upload_parts(
        opened.part_upload_requests, parts, parallelism=1
    )
    ref = opened.reference_number
    sdk.sessions.close_batch_session(ref, access_token=token)
    state = poll_final(sdk, ref, token)
    assert (state.status.code, state.successful_invoice_count) == (200, 6)
    listed = sdk.sessions.get_session_invoices(ref, page_size=10, access_token=token)
    assert sorted(i.invoice_file_name for i in listed.invoices) == sorted(files)
    assert len({i.ksef_number for i in listed.invoices}) == 6
    alternates(replicas)
    uploads = replicas.balancer.served_by("/storage/", "PUT")
    [closer] = replicas.balancer.served_by(f"/sessions/batch/{ref}/close", "POST")
    assert sorted(uploads) == [0, 0, 1, 1]
    assert 1 - closer in uploads  # parts the closing replica never received itself


def test_export_requested_on_one_replica_downloaded_through_both(replicas, sdk):
    """An inbox filled through replica 0's control API, exported through the balancer."""
    body = {"buyer": {"type": "Nip", "value": BUYER}, "count": 6, "seed": 3}
    request = urllib.request.Request(
        replicas.urls[0] + "/_mock/inbox",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        filled = json.loads(response.read())
    assert filled["stored"] == 6
    token = login(sdk, BUYER)
    package, content = export(sdk, token, "2026-10-01T00:00:00Z")
    numbers = [m["ksefNumber"] for m in content.metadata_summaries]
    assert len(numbers) == 6 == len(set(numbers))
    assert {filled["firstKsefNumber"], filled["lastKsefNumber"]} <= set(numbers)
    assert not package.is_truncated
    alternates(replicas)
    [requested] = replicas.balancer.served_by("/invoices/exports", "POST")
    polled = replicas.balancer.served_by("/invoices/exports/", "GET")
    assert polled[:1] == [1 - requested]  # finished by the other replica's poll

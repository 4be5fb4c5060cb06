"""The unmodified ``ksef-client`` SDK runs batch sessions against the mock.

The SDK refuses presigned URLs on ``localhost`` and on loopback IPs whatever its options
say, so the mock's ``public_url`` names the live server by a host *name* that is neither:
``mockksef.test``. The test process resolves that one name to 127.0.0.1 (an
``/etc/hosts`` entry would do the same; glibc's ``HOSTALIASES`` does not help, as it
only applies to DNS lookups and not to ``localhost`` from the hosts file). The SDK then
needs only options it offers itself: ``strict_presigned_url_validation=False`` (plain
http) and ``allowed_presigned_hosts``.
"""

from __future__ import annotations

import pytest
from ksef_client.models import FormCode, OpenBatchSessionRequest
from ksef_client.services.batch import encrypt_batch_parts
from ksef_client.services.crypto import build_encryption_data
from ksef_client.services.workflows import BatchSessionWorkflow, BatchUploadHelper
from ksef_client.utils.zip_utils import build_tar_gz, build_zip
from lxml import etree

from mock_ksef.ids import KSEF_NUMBER_RE
from tests.e2e.conftest import HOST
from tests.support.invoices import fa3_invoice
from tests.support.nips import NIP
from tests.support.sdk import login, poll_final

UPO_NS = {"u": "http://upo.schematy.mf.gov.pl/KSeF/v4-3"}
FA3 = FormCode(system_code="FA (3)", schema_version="1-0E", value="FA")


@pytest.fixture
def sdk(presigned_sdk):
    """The SDK accepting the mock's presigned links (``tests/e2e/conftest.py``)."""
    return presigned_sdk


def _invoices(count: int, tag: str) -> dict[str, bytes]:
    return {f"{tag}/{n}.xml": fa3_invoice(NIP, f"FV/{tag}/{n}") for n in range(1, count + 1)}


def test_several_parts_through_the_sdk_building_blocks(sdk):
    """Zip cut into 4 parts by the SDK: open, parallel PUTs, close, poll, invoices, UPO."""
    token = login(sdk, NIP)
    files = _invoices(6, "SDK")
    archive = build_zip(files)
    pem = sdk.security.get_public_key_certificate_pem("SymmetricKeyEncryption")
    encryption = build_encryption_data(pem)
    parts, batch_file = encrypt_batch_parts(
        archive, encryption.key, encryption.iv, max_part_size=-(-len(archive) // 4)
    )
    assert len(parts) == 4
    assert encryption.encryption_info is not None
    opened = sdk.sessions.open_batch_session(
        OpenBatchSessionRequest(
            form_code=FA3, batch_file=batch_file, encryption=encryption.encryption_info
        ),
        access_token=token,
    )
    assert [r.ordinal_number for r in opened.part_upload_requests] == [1, 2, 3, 4]
    assert all(r.url.startswith(f"http://{HOST}:") for r in opened.part_upload_requests)
    BatchUploadHelper(sdk.http_client).upload_parts(
        opened.part_upload_requests, parts, parallelism=2
    )
    ref = opened.reference_number
    sdk.sessions.close_batch_session(ref, access_token=token)

    state = poll_final(sdk, ref, token)
    assert state.status.code == 200
    assert state.successful_invoice_count == 6
    listed = sdk.sessions.get_session_invoices(ref, page_size=10, access_token=token)
    assert sorted(i.invoice_file_name for i in listed.invoices) == sorted(files)
    assert all(KSEF_NUMBER_RE.match(i.ksef_number) for i in listed.invoices)
    [page] = state.upo.pages
    upo = etree.fromstring(
        sdk.sessions.get_session_upo(ref, page.reference_number, access_token=token)
    )
    assert upo.findtext("u:NumerReferencyjnySesji", namespaces=UPO_NS) == ref
    assert len(upo.findall("u:Dokument", UPO_NS)) == 6


@pytest.mark.parametrize(("compression", "build"), [("Zip", build_zip), ("TarGz", build_tar_gz)])
def test_the_sdk_batch_workflow(sdk, compression, build):
    """``BatchSessionWorkflow.open_upload_and_close`` as a user would call it."""
    token = login(sdk, NIP)
    files = _invoices(3, compression)
    ref = BatchSessionWorkflow(sdk.sessions, sdk.http_client).open_upload_and_close(
        form_code=FA3,
        archive_bytes=build(files),
        compression_type=compression,
        public_certificate=sdk.security.get_public_key_certificate_pem("SymmetricKeyEncryption"),
        access_token=token,
    )
    state = poll_final(sdk, ref, token)
    assert state.status.code == 200
    assert state.successful_invoice_count == 3
    failed = sdk.sessions.get_session_failed_invoices(ref, access_token=token)
    assert failed.invoices == []

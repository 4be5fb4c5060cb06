"""The unmodified ``ksef-client`` SDK, driven the way a client application drives it."""

from __future__ import annotations

import time
from typing import Any

from ksef_client import KsefClient
from ksef_client.models import FormCode, PersonPermissionsGrantRequest
from ksef_client.services.workflows import AuthCoordinator, OnlineSessionWorkflow

from tests.support.auth import sample_token
from tests.support.xades import key_pair

FA3 = FormCode(system_code="FA (3)", schema_version="1-0E", value="FA")
IN_PROGRESS = (100, 150, 170)


def login(sdk: KsefClient, nip: str) -> str:
    """A KSeF-token login to ``Nip:nip`` the way the SDK does it; the access token."""
    pem = sdk.security.get_public_key_certificate_pem("KsefTokenEncryption")
    result = AuthCoordinator(sdk.auth).authenticate_with_ksef_token(
        token=sample_token(nip),
        public_certificate=pem,
        context_identifier_type="Nip",
        context_identifier_value=nip,
        poll_interval_seconds=0.01,
    )
    return str(result.access_token)


def token_login(sdk: KsefClient, token: str, nip: str) -> Any:
    """A KSeF-token login with the text ``token`` to ``Nip:nip``; the SDK's result."""
    pem = sdk.security.get_public_key_certificate_pem("KsefTokenEncryption")
    return AuthCoordinator(sdk.auth).authenticate_with_ksef_token(
        token=token,
        public_certificate=pem,
        context_identifier_type="Nip",
        context_identifier_value=nip,
        poll_interval_seconds=0.01,
    )


def xades_login(
    sdk: KsefClient, serial: str, context: str, kind: str = "Nip", pair: Any = None
) -> Any:
    """A XAdES login with a self-signed certificate of ``serial`` (``PNOPL-…``, ``TINPL-…``)
    or with ``pair`` to ``kind:context``, the subject named by the certificate; the SDK's
    result."""
    return AuthCoordinator(sdk.auth).authenticate_with_xades_key_pair(
        key_pair=pair or key_pair(serial_number=serial),
        context_identifier_type=kind,
        context_identifier_value=context,
        subject_identifier_type="certificateSubject",
        poll_interval_seconds=0.01,
    )


def person_grant(pesel: str, permissions: list[str], description: str) -> Any:
    """A ``PersonPermissionsGrantRequest`` for the person ``pesel`` (Anna Nowak)."""
    return PersonPermissionsGrantRequest.from_dict(
        {
            "subjectIdentifier": {"type": "Pesel", "value": pesel},
            "permissions": permissions,
            "description": description,
            "subjectDetails": {
                "subjectDetailsType": "PersonByIdentifier",
                "personById": {"firstName": "Anna", "lastName": "Nowak"},
            },
        }
    )


def open_fa3(sdk: KsefClient, token: str) -> tuple[OnlineSessionWorkflow, Any]:
    """Open an FA (3) online session; the workflow and its handle."""
    pem = sdk.security.get_public_key_certificate_pem("SymmetricKeyEncryption")
    workflow = OnlineSessionWorkflow(sdk.sessions)
    handle = workflow.open_session(form_code=FA3, public_certificate=pem, access_token=token)
    return workflow, handle


def send_fa3(workflow: OnlineSessionWorkflow, session: Any, token: str, xml: bytes) -> Any:
    """Send one invoice into the open session ``session`` (what ``open_fa3`` returned)."""
    return workflow.send_invoice(
        session_reference_number=session.reference_number,
        invoice_xml=xml,
        encryption_data=session.encryption_data,
        access_token=token,
    )


def poll_final(sdk: KsefClient, ref: str, token: str) -> Any:
    """Poll the session's status (at most 50 times) until it leaves 100/150/170."""
    for _ in range(50):
        state = sdk.sessions.get_session_status(ref, access_token=token)
        if state.status.code not in IN_PROGRESS:
            return state
        time.sleep(0.05)
    raise AssertionError("session never finished")

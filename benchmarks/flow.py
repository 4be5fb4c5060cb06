"""A full online flow by the unmodified ``ksef-client`` SDK, timed step by step.

login -> open session -> send invoice -> close -> poll until processed -> session UPO.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

NIP = "5265877635"
FORM = {"system_code": "FA (3)", "schema_version": "1-0E", "value": "FA"}
MAX_POLLS = 500
POLL_INTERVAL_S = 0.01


def _invoice_factory() -> Callable[[str, str], bytes]:
    """The FA(3) invoice builder of the test helpers (imported late: it may not exist yet)."""
    from tests.support.invoices import fa3_invoice

    return fa3_invoice


def login(sdk: Any, nip: str = NIP) -> str:
    """A KSeF-token login through the SDK's own coordinator; returns the access token."""
    from ksef_client.services.workflows import AuthCoordinator

    from tests.support.auth import sample_token

    pem = sdk.security.get_public_key_certificate_pem("KsefTokenEncryption")
    result = AuthCoordinator(sdk.auth).authenticate_with_ksef_token(
        token=sample_token(nip),
        public_certificate=pem,
        context_identifier_type="Nip",
        context_identifier_value=nip,
        poll_interval_seconds=POLL_INTERVAL_S,
    )
    return str(result.access_token)


def open_session(sdk: Any, token: str) -> Any:
    """``POST /sessions/online`` through the SDK workflow; returns the SDK's session object."""
    from ksef_client.models import FormCode
    from ksef_client.services.workflows import OnlineSessionWorkflow

    pem = sdk.security.get_public_key_certificate_pem("SymmetricKeyEncryption")
    return OnlineSessionWorkflow(sdk.sessions).open_session(
        form_code=FormCode(**FORM), public_certificate=pem, access_token=token
    )


def session_for_load(base_url: str) -> tuple[str, str]:
    """Log in and open a session over HTTP; returns (session reference, access token)."""
    from ksef_client import KsefClient, KsefClientOptions

    with KsefClient(KsefClientOptions(base_url=base_url)) as sdk:
        token = login(sdk)
        session = open_session(sdk, token)
        return str(session.reference_number), token


def _until_processed(sdk: Any, ref: str, token: str) -> Any:
    for _ in range(MAX_POLLS):
        state = sdk.sessions.get_session_status(ref, access_token=token)
        if state.status.code not in (100, 170):
            return state
        time.sleep(POLL_INTERVAL_S)
    raise RuntimeError(f"session {ref} still processing after {MAX_POLLS} polls")


def one_flow(base_url: str, number: str) -> dict[str, float]:
    """Run the whole flow once; seconds per step and in total."""
    from ksef_client import KsefClient, KsefClientOptions
    from ksef_client.services.workflows import OnlineSessionWorkflow

    invoice = _invoice_factory()(NIP, number)
    steps: dict[str, float] = {}
    start = mark = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        steps[name] = round(now - mark, 4)
        mark = now

    with KsefClient(KsefClientOptions(base_url=base_url)) as sdk:
        token = login(sdk)
        lap("login")
        session = open_session(sdk, token)
        ref = session.reference_number
        lap("open")
        workflow = OnlineSessionWorkflow(sdk.sessions)
        workflow.send_invoice(
            session_reference_number=ref,
            invoice_xml=invoice,
            encryption_data=session.encryption_data,
            access_token=token,
        )
        lap("send")
        workflow.close_session(ref, token)
        lap("close")
        state = _until_processed(sdk, ref, token)
        if state.status.code != 200:
            raise RuntimeError(f"session ended with {state.status.code}")
        lap("poll")
        page = state.upo.pages[0]
        upo = sdk.sessions.get_session_upo(ref, page.reference_number, access_token=token)
        if not upo:
            raise RuntimeError("empty session UPO")
        lap("upo")
    steps["total"] = round(time.perf_counter() - start, 4)
    return steps


def measure(base_url: str, runs: int) -> dict[str, Any]:
    """Median per step over ``runs`` flows (the first run is a warm-up, not counted)."""
    one_flow(base_url, "FV/BENCH/0")
    samples = [one_flow(base_url, f"FV/BENCH/{n}") for n in range(1, runs + 1)]
    medians = {step: round(statistics.median(s[step] for s in samples), 4) for step in samples[0]}
    return {"median_s": medians, "runs": runs, "samples_s": [s["total"] for s in samples]}

"""``mock-ksef serve --store postgresql://…`` as real processes, driven by the unmodified SDK.

An online flow goes to one server (gunicorn with its default worker processes, all on one
schema); a second server on the same database and state folder then reads the session,
the invoice and the request journal the first one wrote.
"""

from __future__ import annotations

from pathlib import Path

from ksef_client import KsefClient, KsefClientOptions

from mock_ksef.ids import KSEF_NUMBER_RE
from tests.support.invoices import fa3_invoice
from tests.support.nips import NIP
from tests.support.pg_server import PgServer
from tests.support.process import ServerProcess, clean_env, console_script, get_json
from tests.support.sdk import login, open_fa3, poll_final, send_fa3


def _serve(url: str, state: Path) -> ServerProcess:
    argv = [console_script(), "serve", "--port", "0", "--store", url, "--state-dir", str(state)]
    server = ServerProcess(argv, clean_env())
    server.wait_for_banner()
    return server


def test_an_online_flow_on_postgresql_is_read_by_a_second_server(
    pg_server: PgServer, tmp_path: Path
) -> None:
    url = pg_server.schema_url("serve").replace("postgres@", "postgres:hidden@")
    with _serve(url, tmp_path) as first:
        banner = "".join(first.stdout)
        assert "store        postgresql, postgresql://postgres:***@127.0.0.1:" in banner
        assert "hidden" not in banner
        with KsefClient(KsefClientOptions(base_url=first.url)) as sdk:
            token = login(sdk, NIP)
            workflow, session = open_fa3(sdk, token)
            ref = session.reference_number
            sent = send_fa3(workflow, session, token, fa3_invoice(NIP, "FV/PG/1"))
            workflow.close_session(ref, token)
            state = poll_final(sdk, ref, token)
        assert state.status.code == 200
        assert state.successful_invoice_count == 1
        with (
            _serve(url, tmp_path) as second,
            KsefClient(KsefClientOptions(base_url=second.url)) as other,
        ):
            again = other.sessions.get_session_status(ref, access_token=token)
            invoice = other.sessions.get_session_invoice_status(
                ref, sent.reference_number, access_token=token
            )
            status, journal = get_json(f"{second.url}/_mock/requests?path=/v2/sessions/online")
        first.stop()
    assert again.status.code == 200
    assert again.successful_invoice_count == 1
    assert invoice.status.code == 200
    assert invoice.ksef_number is not None
    assert KSEF_NUMBER_RE.match(invoice.ksef_number)
    assert status == 200
    opened = [e for e in journal["requests"] if e["method"] == "POST"]
    assert [(e["path"], e["status"]) for e in opened] == [("/v2/sessions/online", 201)]

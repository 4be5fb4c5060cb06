"""Production serving: gunicorn workers sharing the SQLite store, request logs, key export."""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography import x509

from mock_ksef.cli import default_workers, main
from mock_ksef.crypto.keys import create_exclusive
from mock_ksef.serving import check_workers
from mock_ksef.settings import Settings
from tests.support.auth import login_live
from tests.support.nips import NIP
from tests.support.process import ServerProcess, clean_env, console_script, get_json

#: New connections tried until both workers have answered (each connection sticks to one).
MAX_CONNECTIONS = 200


def _open_session(url: str, token: str) -> str:
    from ksef_client import KsefClient, KsefClientOptions

    from tests.lifecycle.sdk import open_fa3

    with KsefClient(KsefClientOptions(base_url=url)) as sdk:
        return str(open_fa3(sdk, token)[1].reference_number)


def _pid_and_session(port: int, ref: str, token: str) -> tuple[int, int, dict[str, object]]:
    """On one keep-alive connection (one worker): its pid, then the session's status."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/_mock/health")
        pid = json.loads(conn.getresponse().read())["pid"]
        conn.request("GET", f"/v2/sessions/{ref}", headers={"Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        return pid, response.status, json.loads(response.read())
    finally:
        conn.close()


def _both_workers_read_the_session(port: int, ref: str, token: str) -> None:
    """New connections until both workers have answered the session's status (open)."""
    seen: set[int] = set()
    for _ in range(MAX_CONNECTIONS):
        pid, status, body = _pid_and_session(port, ref, token)
        assert (status, body["status"]) == (
            200,
            {"code": 100, "description": "Sesja interaktywna otwarta"},
        )
        seen.add(pid)
        if len(seen) == 2:
            return
    raise AssertionError(f"only worker(s) {seen} answered {MAX_CONNECTIONS} connections")


def _two_workers_serve_a_session(
    tmp_path: Path, kind: str, *flags: str
) -> tuple[ServerProcess, str]:
    """``serve --server kind --workers 2``: the SDK logs in and opens a session, both
    workers read its status, SIGTERM exits 0; the stopped server and the session."""
    argv = [console_script(), "serve", "--port", "0", "--server", kind, "--workers", "2"]
    argv += ["--state-dir", str(tmp_path / "state"), *flags]
    with ServerProcess(argv, clean_env()) as server:
        server.wait_for_banner()
        token = login_live(server.url, NIP)
        ref = _open_session(server.url, token)
        _both_workers_read_the_session(server.port, ref, token)
        assert server.stop(signal.SIGTERM) == 0, server.output()
    out = "".join(server.stdout)
    assert f"server       {kind}, 2 worker(s)" in out
    assert "mock-ksef stopped" in out
    assert "Traceback" not in server.stderr
    return server, ref


def test_two_gunicorn_workers_share_one_store_and_stop_on_sigterm(tmp_path: Path) -> None:
    """A session opened through one worker is seen by both; logs are JSON; SIGTERM exits 0."""
    server, ref = _two_workers_serve_a_session(tmp_path, "gunicorn", "--log-format", "json")
    lines = [json.loads(line) for line in server.stderr.splitlines() if line.startswith("{")]
    opened = [e for e in lines if e.get("path") == "/v2/sessions/online"]
    assert len(opened) == 1
    assert {k: opened[0][k] for k in ("method", "status", "session", "scenario", "context")} == {
        "method": "POST",
        "status": 201,
        "session": ref,
        "scenario": "natural",
        "context": NIP,
    }
    assert isinstance(opened[0]["duration_ms"], float)
    assert not [e for e in lines if e.get("path") == "/_mock/health"]


ISO_UTC_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$")


@pytest.mark.parametrize(("level", "polls_logged"), [("info", 0), ("debug", 3)])
def test_json_lines_carry_iso_time_and_control_reads_are_quiet(
    level: str, polls_logged: int
) -> None:
    """JSON ``time`` is ISO 8601 in UTC; ``GET /_mock/...`` (dashboard polls) only at debug."""
    argv = [console_script(), "serve", "--port", "0", "--server", "dev", "--store", "memory"]
    argv += ["--log-format", "json", "--log-level", level]
    with ServerProcess(argv, clean_env()) as server:
        server.wait_for_banner()
        for _ in range(3):  # what one open dashboard tab asks every half second
            assert get_json(server.url + "/_mock/sessions")[0] == 200
        assert get_json(server.url + "/v2/sessions/x")[0] == 401
        assert server.stop() == 0, server.output()
    lines = [json.loads(line) for line in server.stderr.splitlines() if line.startswith("{")]
    api = [e for e in lines if e.get("path") == "/v2/sessions/x"]
    assert [(e["method"], e["status"], e["level"]) for e in api] == [("GET", 401, "info")]
    assert ISO_UTC_MS.match(api[0]["time"]), api[0]["time"]
    polls = [e for e in lines if e.get("path") == "/_mock/sessions"]
    assert len(polls) == polls_logged
    assert all(e["level"] == "debug" for e in polls)


def test_dev_server_logs_one_text_line_per_request(tmp_path: Path) -> None:
    """``--server dev`` (werkzeug) also writes the request lines, as text."""
    argv = [console_script(), "serve", "--port", "0", "--server", "dev", "--store", "memory"]
    with ServerProcess(argv, clean_env()) as server:
        server.wait_for_banner()
        status, _ = get_json(server.url + "/v2/sessions/x", headers={"X-Mock-Scenario": "nope"})
        assert status == 400
        assert server.stop() == 0, server.output()
    assert "server       dev (werkzeug)" in "".join(server.stdout)
    assert "INFO mock_ksef.requests GET /v2/sessions/x 400 " in server.stderr
    assert "127.0.0.1 - -" not in server.stderr  # werkzeug's own access log is muted


def test_several_workers_refuse_a_memory_store(tmp_path: Path) -> None:
    """A memory store with two workers is a settings error, exit 2."""
    args = ["serve", "--port", "0", "--server", "gunicorn", "--workers", "2", "--store", "memory"]
    args += ["--state-dir", str(tmp_path)]
    result = CliRunner().invoke(main, args, env={})
    assert result.exit_code == 2
    assert result.output.startswith("Error: --workers: 2 workers need a shared store")


def test_several_workers_may_share_a_movable_clock() -> None:
    """A frozen or offset clock is kept in the store: two workers agree (docs/replicas.md)."""
    for clock in ("frozen", "offset:30"):
        settings = Settings(store="sqlite", clock=clock)
        check_workers(settings, 2)
        assert default_workers(settings) == max(1, min(4, os.cpu_count() or 1))


_MAKE_KEYS = (
    "import sys; from pathlib import Path; from mock_ksef.crypto.keys import load_or_create; "
    "ring = load_or_create(Path(sys.argv[1])); "
    "print(' '.join(p.public_key_id for p in (ring.ksef_token, ring.symmetric_key, ring.upo,"
    " ring.ca)))"
)


def test_workers_creating_keys_at_once_agree(tmp_path: Path) -> None:
    """Four processes making the key files in one empty folder all end with the same keys."""
    folder = str(tmp_path / "keys")
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _MAKE_KEYS, folder], stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    results = [process.communicate(timeout=60)[0].split() for process in processes]
    assert all(process.returncode == 0 for process in processes)
    assert len(results[0]) == 4
    assert all(result == results[0] for result in results)
    assert sorted(p.name for p in (tmp_path / "keys").iterdir()) == [
        "ksef-ca.pem",
        "ksef-token.pem",
        "symmetric-key.pem",
        "upo.pem",
    ]


def test_create_exclusive_keeps_the_first_file(tmp_path: Path) -> None:
    """A second publisher gets the first one's bytes back; no temporary file stays."""
    path = tmp_path / "secret"
    assert create_exclusive(path, b"first") == b"first"
    assert create_exclusive(path, b"second") == b"first"
    assert [p.name for p in tmp_path.iterdir()] == ["secret"]
    assert path.stat().st_mode & 0o777 == 0o600


class TestKeysExport:
    """``mock-ksef keys export`` writes the certificates ``serve`` publishes."""

    def test_der_files_match_what_serve_publishes(self, tmp_path: Path) -> None:
        """Same state folder: the exported DER certificates are the served ones."""
        state, out = tmp_path / "state", tmp_path / "out"
        result = CliRunner().invoke(
            main,
            ["keys", "export", "--state-dir", str(state), "--format", "der", "--out", str(out)],
            env={},
        )
        assert result.exit_code == 0, result.output
        assert sorted(p.name for p in out.iterdir()) == [
            "KsefCertificateAuthority.der",
            "KsefTokenEncryption.der",
            "SymmetricKeyEncryption.der",
        ]
        ca = x509.load_der_x509_certificate((out / "KsefCertificateAuthority.der").read_bytes())
        assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        argv = [console_script(), "serve", "--port", "0", "--server", "dev"]
        with ServerProcess([*argv, "--state-dir", str(state)], clean_env()) as server:
            server.wait_for_banner()
            _, published = get_json(server.url + "/v2/security/public-key-certificates")
            assert server.stop() == 0
        for entry in published:
            exported = (out / f"{entry['usage'][0]}.der").read_bytes()
            assert exported == base64.b64decode(entry["certificate"])
            assert x509.load_der_x509_certificate(exported).subject.rfc4514_string()

    def test_pem_to_stdout(self, tmp_path: Path) -> None:
        """Without --out: each usage's PEM certificate with its publicKeyId; DER needs --out."""
        runner = CliRunner()
        result = runner.invoke(main, ["keys", "export", "--state-dir", str(tmp_path)], env={})
        assert result.exit_code == 0, result.output
        assert result.output.count("-----BEGIN CERTIFICATE-----") == 3
        assert "# KsefTokenEncryption publicKeyId=" in result.output
        assert "# KsefCertificateAuthority publicKeyId=" in result.output
        der = runner.invoke(
            main, ["keys", "export", "--state-dir", str(tmp_path), "--format", "der"]
        )
        assert der.exit_code == 2


def test_image_command_hands_out_links_on_the_public_url(tmp_path: Path) -> None:
    """The Dockerfile's command and ENV with MOCK_KSEF_PUBLIC_URL: part-upload links use it."""
    import httpx

    from tests.batch.support import Package, zip_bytes
    from tests.support.invoices import fa3_invoice
    from tests.test_docker_command import DOCKERFILE, parse_dockerfile

    image = parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))
    env = clean_env(
        {
            **image.env,
            "MOCK_KSEF_PORT": "0",
            "MOCK_KSEF_STATE_DIR": str(tmp_path / "data"),
            "MOCK_KSEF_PUBLIC_URL": "http://mock-ksef:8080",
        }
    )
    with ServerProcess(image.argv, env) as server:
        server.wait_for_banner()
        token = login_live(server.url, NIP)
        _, keys = get_json(server.url + "/v2/security/public-key-certificates")
        der = next(k for k in keys if k["usage"] == ["SymmetricKeyEncryption"])["certificate"]
        public_key = x509.load_der_x509_certificate(base64.b64decode(der)).public_key()
        package = Package.of(zip_bytes({"a.xml": fa3_invoice(NIP, "FV/P/1")}))
        opened = httpx.post(
            server.url + "/v2/sessions/batch",
            json=package.request(public_key),
            headers={"Authorization": f"Bearer {token}"},
        )
        assert server.stop() == 0, server.output()
    assert opened.status_code == 201, opened.text
    url = opened.json()["partUploadRequests"][0]["url"]
    assert url.startswith("http://mock-ksef:8080/storage/00/")
    banner = "".join(server.stdout)
    assert "public URL   http://mock-ksef:8080" in banner
    assert "server       gunicorn" in banner


#: The latency fault of the threads test, and the window in which requests count as
#: started together (half of it: a request queued behind a sleeping thread starts a whole
#: latency later).
THREADS_LATENCY_MS = 2000
TOGETHER_S = THREADS_LATENCY_MS / 2000


@pytest.mark.parametrize(("flags", "threads"), [((), 2), (("--threads", "3"), 3)])
def test_a_gunicorn_worker_runs_as_many_requests_at_once_as_it_has_threads(
    tmp_path: Path, flags: tuple[str, ...], threads: int
) -> None:
    """One worker, 4 requests that each sleep in a latency fault: ``threads`` of them start
    at once (the journal's arrival times), the others only when a thread is free again."""
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    (scenarios / "slow.yaml").write_text(
        "name: slow\nfaults:\n  - kind: latency\n    route: POST /auth/challenge\n"
        f"    latency_ms: {THREADS_LATENCY_MS}\n"
    )
    argv = [console_script(), "serve", "--port", "0", "--server", "gunicorn", "--workers", "1"]
    argv += ["--state-dir", str(tmp_path / "state"), "--scenarios-dir", str(scenarios), *flags]
    with ServerProcess(argv, clean_env()) as server:
        server.wait_for_banner()
        assert get_json(server.url + "/v2/security/public-key-certificates")[0] == 200

        def challenge(_: int) -> int:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            try:
                conn.request("POST", "/v2/auth/challenge", headers={"X-Mock-Scenario": "slow"})
                return conn.getresponse().status
            finally:
                conn.close()

        with ThreadPoolExecutor(4) as pool:
            assert list(pool.map(challenge, range(4))) == [200] * 4
        status, body = get_json(server.url + "/_mock/requests?path=/v2/auth/challenge")
        assert server.stop() == 0, server.output()
    assert status == 200
    starts = sorted(datetime.fromisoformat(e["time"]) for e in body["requests"])
    assert len(starts) == 4
    together = [t for t in starts if (t - starts[0]).total_seconds() < TOGETHER_S]
    assert len(together) == threads, [t.isoformat() for t in starts]
    assert "server       gunicorn, 1 worker(s)" in "".join(server.stdout)


def test_granian_workers_serve_the_sdk_and_stop_on_sigterm(tmp_path: Path) -> None:
    """``--server granian``: both workers come up (none stuck in its warm start), the SDK
    logs in and opens a session, every worker reads its status, SIGTERM exits 0."""
    _two_workers_serve_a_session(tmp_path, "granian")

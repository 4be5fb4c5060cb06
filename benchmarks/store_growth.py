"""Store growth: send-invoice and session-status latency, and a soak, vs the store's age.

``python -m benchmarks.store_growth --sizes 300000,1000000`` runs ``mock-ksef serve`` on a
SQLite state folder, measures it empty, then bulk-fills the same file with N extra
invoices (cloned from the ones the empty run stored: same shape, indexes and blobs) and
measures again through HTTP. Ratios are filled / empty medians of the same run.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from benchmarks.load import percentile
from mock_ksef.store import SqliteStore
from tests.support.client_crypto import FA3, SessionKey
from tests.support.invoices import fa3_invoice
from tests.support.process import ServerProcess, clean_env, console_script

NIP = "5265877635"
#: Invoices per filler session (a client that sends a hundred per session).
PER_SESSION = 100


class Http:
    """One keep-alive connection; ``call`` returns (status, JSON body, milliseconds)."""

    def __init__(self, url: str, token: str = "") -> None:
        host, port = url.removeprefix("http://").split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=60)
        self.headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any, float]:
        data = json.dumps(body).encode() if body is not None else None
        start = time.perf_counter()
        self.conn.request(method, path, data, self.headers)
        response = self.conn.getresponse()
        raw = response.read()
        ms = (time.perf_counter() - start) * 1000
        return response.status, json.loads(raw) if raw else None, ms


def _login(url: str) -> tuple[str, rsa.RSAPublicKey]:
    """An access token for ``NIP`` (SDK login) and the symmetric-key encryption key."""
    from ksef_client import KsefClient, KsefClientOptions

    from benchmarks.flow import login

    with KsefClient(KsefClientOptions(base_url=url)) as sdk:
        token = login(sdk, NIP)
    _, entries, _ = Http(url).call("GET", "/v2/security/public-key-certificates")
    entry = next(e for e in entries if "SymmetricKeyEncryption" in e["usage"])
    key = x509.load_der_x509_certificate(base64.b64decode(entry["certificate"])).public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    return token, key


def _open(client: Http, key: rsa.RSAPublicKey) -> tuple[str, SessionKey]:
    session_key = SessionKey.fresh()
    body = {"formCode": FA3, "encryption": session_key.encryption(key)}
    status, answer, _ = client.call("POST", "/v2/sessions/online", body)
    if status != 201:
        raise RuntimeError(f"open session: {status} {answer}")
    return str(answer["referenceNumber"]), session_key


def _bodies(session_key: SessionKey, tag: str, count: int) -> list[dict[str, Any]]:
    """Send requests for ``count`` distinct invoices (encrypted before any timing)."""
    return [session_key.send_request(fa3_invoice(NIP, f"FV/{tag}/{n}")) for n in range(count)]


def _send_all(client: Http, ref: str, bodies: list[dict[str, Any]]) -> list[float]:
    times: list[float] = []
    for body in bodies:
        status, answer, ms = client.call("POST", f"/v2/sessions/online/{ref}/invoices", body)
        if status != 202:
            raise RuntimeError(f"send: {status} {answer}")
        times.append(ms)
    return times


def _summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "median_ms": round(statistics.median(ordered), 3),
        "p99_ms": round(percentile(ordered, 0.99), 3),
        "n": len(ordered),
    }


def latency(url: str, tag: str, sends: int, polls: int) -> dict[str, Any]:
    """Sequential sends into one session, then ``GET /sessions/{ref}`` polls of it."""
    token, key = _login(url)
    client = Http(url, token)
    ref, session_key = _open(client, key)
    bodies = _bodies(session_key, tag, sends)
    send = _send_all(client, ref, bodies[:5])  # warm-up, not counted
    send = _send_all(client, ref, bodies[5:])
    status = [client.call("GET", f"/v2/sessions/{ref}")[2] for _ in range(polls)]
    return {"send": _summary(send), "status": _summary(status)}


def soak(url: str, tag: str, clients: int, per_client: int) -> dict[str, Any]:
    """``clients`` threads, each its own session, send ``per_client`` invoices at once."""
    token, key = _login(url)
    ready = []
    for c in range(clients):
        client = Http(url, token)
        ref, session_key = _open(client, key)
        ready.append((client, ref, _bodies(session_key, f"{tag}/{c}", per_client)))
    start = threading.Barrier(clients + 1)
    errors: list[BaseException] = []

    def run(client: Http, ref: str, bodies: list[dict[str, Any]]) -> None:
        start.wait()
        try:
            _send_all(client, ref, bodies)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=item) for item in ready]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    if errors:
        raise RuntimeError(f"soak: {len(errors)} clients failed, first: {errors[0]}")
    total = clients * per_client
    return {"invoices": total, "seconds": round(seconds, 2), "per_s": round(total / seconds, 1)}


def _rows(conn: sqlite3.Connection, kind: str) -> tuple[str, int, str, dict[str, str]]:
    """The latest document of ``kind`` as a template: key, position, body, index."""
    key, position, body, values = conn.execute(
        "SELECT key, position, body, idx_values FROM docs WHERE kind=?"
        " ORDER BY position DESC LIMIT 1",
        (kind,),
    ).fetchone()
    index: dict[str, str] = json.loads(values)
    return key, position, body, index


def fill(path: Path, extra: int, start: int) -> float:
    """Add invoices ``start .. start+extra`` (with sessions, duplicate keys, XML blobs)."""
    began = time.perf_counter()
    SqliteStore(path).close()  # schema up to date
    with sqlite3.connect(path, isolation_level=None) as conn:
        conn.execute("BEGIN IMMEDIATE")
        inv_key, inv_pos, inv_body, inv_idx = _rows(conn, "invoice")
        ses_key, ses_pos, ses_body, ses_idx = _rows(conn, "session")
        dup_key, dup_pos, dup_body, _ = _rows(conn, "duplicate")
        ksef = inv_idx["ksef"]
        (blob,) = conn.execute("SELECT data FROM blobs WHERE key=?", (f"invoice-xml/{ksef}",))
        xml = bytes(blob[0])

        def docs() -> Iterator[tuple[str, str, int, str, str]]:
            for n in range(start, start + extra):
                ref, ses, num = f"F{n:012d}-EE", f"F{n // PER_SESSION:012d}-SO", f"F{n:012d}"
                body = inv_body.replace(inv_key, ref).replace(ses_key, ses)
                values = json.dumps({"session": ses, "ksef": num})
                yield "invoice", ref, inv_pos + n + 1, body.replace(ksef, num), values
                yield "duplicate", f"{dup_key}/{num}", dup_pos + n + 1, dup_body, "{}"
                if n % PER_SESSION == 0:
                    body = ses_body.replace(ses_key, ses)
                    yield "session", ses, ses_pos + n + 1, body, json.dumps(ses_idx)

        def index() -> Iterator[tuple[str, str, str, str]]:
            for n in range(start, start + extra):
                ref, ses = f"F{n:012d}-EE", f"F{n // PER_SESSION:012d}-SO"
                yield "invoice", "session", ses, ref
                yield "invoice", "ksef", f"F{n:012d}", ref
                if n % PER_SESSION == 0:
                    for name, value in ses_idx.items():
                        yield "session", name, value, ses

        conn.executemany("INSERT INTO docs VALUES (?,?,?,?,?)", docs())
        conn.executemany("INSERT INTO idx VALUES (?,?,?,?)", index())
        conn.executemany(
            "INSERT INTO blobs VALUES (?,?)",
            ((f"invoice-xml/F{n:012d}", xml) for n in range(start, start + extra)),
        )
        conn.execute("COMMIT")
    return round(time.perf_counter() - began, 1)


def _serve(state: Path, workers: int) -> ServerProcess:
    argv = [console_script(), "serve", "--port", "0", "--state-dir", str(state)]
    child = ServerProcess([*argv, "--workers", str(workers)], clean_env())
    child.wait_for_banner()
    return child


def _run(state: Path, args: argparse.Namespace, tag: str) -> dict[str, Any]:
    server = _serve(state, args.workers)
    try:
        result = latency(server.url, tag, args.sends, args.polls)
        if args.soak:
            clients, per_client = (int(v) for v in args.soak.split("x"))
            result["soak"] = soak(server.url, tag, clients, per_client)
        return result
    finally:
        server.stop()


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Empty, then each size in turn; ratios against the empty figures."""
    with tempfile.TemporaryDirectory(prefix="store-growth-") as tmp:
        state = Path(tmp)
        report: dict[str, Any] = {"workers": args.workers, "empty": _run(state, args, "E")}
        filled = 0
        for size in (int(s) for s in args.sizes.split(",") if s):
            seconds = fill(state / "state.sqlite3", size - filled, filled)
            filled = size
            result = _run(state, args, f"N{size}")
            result["fill_s"] = seconds
            result["file_mb"] = round((state / "state.sqlite3").stat().st_size / 2**20)
            for part in ("send", "status"):
                empty = report["empty"][part]["median_ms"]
                result[part]["ratio"] = round(result[part]["median_ms"] / empty, 2)
            report[str(size)] = result
        return report


def render(report: dict[str, Any]) -> str:
    """The report as a small table."""
    out = [f"store growth ({report['workers']} workers): median / p99 ms, ratio to empty"]
    for label, row in report.items():
        if not isinstance(row, dict):
            continue
        send, status = row["send"], row["status"]
        line = (
            f"  {label:>9}  send {send['median_ms']:6.2f} / {send['p99_ms']:6.2f}"
            f" x{send.get('ratio', 1.0):<5}  status {status['median_ms']:6.2f} /"
            f" {status['p99_ms']:6.2f} x{status.get('ratio', 1.0):<5}"
        )
        if "soak" in row:
            line += f"  soak {row['soak']['per_s']:6.1f} inv/s"
        out.append(line)
    return "\n".join(out)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options (shared with ``python -m benchmarks --parts growth``)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.store_growth")
    add_options(parser)
    return parser.parse_args(argv)


def add_options(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """The store-growth options, for this module and the suite's own parser."""
    parser.add_argument("--sizes", default="300000", help="extra invoices, comma-separated")
    parser.add_argument("--sends", type=int, default=205, help="sends per run (5 warm-up)")
    parser.add_argument("--polls", type=int, default=300, help="status reads per run")
    parser.add_argument("--soak", default="64x100", help="CLIENTSxINVOICES, empty: no soak")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``python -m benchmarks.store_growth``."""
    report = measure(parse(argv))
    print(render(report))
    print(json.dumps(report, indent=2), file=sys.stderr)


if __name__ == "__main__":
    main()

"""``mock-ksef schemas status|fetch`` and the banner's one ``schemas`` line, for real.

This machine cannot reach GitHub, so ``fetch`` is tested against the offline failure
and against a local HTTP server handing out an archive laid out like the official
repository's (built here from the official XSDs in ``KSEF_SPEC_DIR``).
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.support.process import ServerProcess, clean_env, console_script, free_port
from tests.support.spec import spec_dir

FORM_CODES = ("FA (2)", "FA (3)", "FA_RR (1)", "PEF (3)", "PEF_KOR (3)")


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [console_script(), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(),
        check=False,
    )


def _official_archive(evil: bool = False) -> bytes:
    """A .tar.gz like GitHub's: ``ksef-docs-main/faktury/schemy/...`` and ``auth/schemy``."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(spec_dir() / "invoice-schemas", "ksef-docs-main/faktury/schemy")
        tar.add(spec_dir() / "auth", "ksef-docs-main/auth/schemy")
        tar.add(spec_dir() / "LICENSE.txt", "ksef-docs-main/LICENSE")
        if evil:
            data = b"<xs:schema/>"
            info = tarfile.TarInfo("ksef-docs-main/../../escaped.xsd")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture(name="archive_url")
def _archive_url() -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 serving the archive at ``/main.tar.gz``."""
    body = _official_archive(evil=True)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/main.tar.gz"
    server.shutdown()
    server.server_close()


def test_status_without_schemas_names_every_fallback(tmp_path: Path) -> None:
    """Only ksef-client's FA(3) XSD is found; the rest say what is checked instead."""
    result = _cli("schemas", "status", "--state-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("invoice XSDs from ")
    assert "ksef_client" in lines[0]
    assert lines[1] == "  FA (2)       no XSD: well-formedness and key fields only"
    assert lines[2].startswith("  FA (3)       ")
    assert lines[2].endswith("schemat_FA(3)_v1-0E.xsd")
    assert lines[3:9] == [
        "  FA_RR (1)    no XSD: well-formedness and key fields only",
        "  PEF (3)      no XSD: well-formedness and key fields only",
        "  PEF_KOR (3)  no XSD: well-formedness and key fields only",
        "auth XSDs from nowhere (--auth-schema-dir not set)",
        "  auth 2.0     no XSD: structure only",
        "  auth 2.1     no XSD: structure only",
    ]
    assert lines[9] == (
        f"add them with `mock-ksef schemas fetch` (into {tmp_path / 'schemas'}) "
        "or point --schema-dir/--auth-schema-dir at a folder of official XSDs"
    )


def test_fetch_offline_teaches_the_way_around(tmp_path: Path) -> None:
    """No network: exit 1, the URL and reason, and the flags and folder that work instead."""
    url = f"http://127.0.0.1:{free_port()}/main.tar.gz"  # nothing listens there
    result = _cli("schemas", "fetch", "--state-dir", str(tmp_path), "--url", url)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: cannot download the XSDs from {url}: [Errno 111] Connection refused.\n"
        "This machine may not reach GitHub. Get the XSDs elsewhere (the repository "
        "CIRFMF/ksef-docs, folders faktury/schemy and auth/schemy), then either copy "
        f"them into {tmp_path / 'schemas'} or serve with --schema-dir DIR --auth-schema-dir "
        "DIR (variables MOCK_KSEF_SCHEMA_DIR, MOCK_KSEF_AUTH_SCHEMA_DIR).\n"
    )
    assert not (tmp_path / "schemas").exists()


def test_fetched_schemas_are_used_by_serve(tmp_path: Path, archive_url: str) -> None:
    """fetch fills STATE/schemas (nothing outside it); status and serve then use it."""
    state = tmp_path / "state"
    result = _cli("schemas", "fetch", "--state-dir", str(state), "--url", archive_url)
    assert result.returncode == 0, result.stderr
    expected = sum(len(list((spec_dir() / d).rglob("*.xsd"))) for d in ("invoice-schemas", "auth"))
    assert result.stdout == f"{expected} XSD files written to {(state / 'schemas').resolve()}\n"
    assert not (tmp_path / "escaped.xsd").exists()
    assert not (state / "escaped.xsd").exists()
    assert (state / "schemas" / "auth" / "schemy" / "schemat_auth_v2-1.xsd").is_file()
    assert not list((state / "schemas").rglob("LICENSE*"))

    status = _cli("schemas", "status", "--state-dir", str(state)).stdout.splitlines()
    assert status[0] == f"invoice XSDs from {state / 'schemas'}"
    assert all("no XSD" not in line for line in status), status
    assert (
        status[8]
        == f"  auth 2.1     {state / 'schemas' / 'auth' / 'schemy' / 'schemat_auth_v2-1.xsd'}"
    )

    argv = [console_script(), "serve", "--port", "0", "--server", "dev", "--state-dir", str(state)]
    with ServerProcess(argv, clean_env()) as server:
        server.wait_for_banner()
        assert server.stop() == 0, server.output()
    banner = "".join(server.stdout)
    assert (
        "  schemas      every form code and auth request checked against the official XSDs\n"
        in banner
    )
    assert "XSD" not in server.stderr  # no per-worker warnings


def test_banner_says_once_what_runs_without_schemas(tmp_path: Path) -> None:
    """Two gunicorn workers, one line in the banner, no schema warning on stderr."""
    argv = [console_script(), "serve", "--port", "0", "--workers", "2"]
    argv += ["--state-dir", str(tmp_path)]
    with ServerProcess(argv, clean_env()) as server:
        server.wait_for_banner()
        assert server.stop() == 0, server.output()
    schema_lines = [line for line in server.stdout if "XSD" in line]
    assert schema_lines == [
        "  schemas      no XSD for FA (2), FA_RR (1), PEF (3), PEF_KOR (3) (well-formedness and "
        "key fields only); XAdES auth requests (structure only): see `mock-ksef schemas status`\n"
    ]
    assert "XSD" not in server.stderr
    assert "auth_schema_dir" not in server.stderr

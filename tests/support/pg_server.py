"""A throwaway PostgreSQL server for the tests, and fresh schemas in it.

``MOCK_KSEF_TEST_PG`` (a libpq URL of a user allowed to create schemas) uses a server you
run; otherwise a cluster is made with Debian's PostgreSQL (``MOCK_KSEF_PG_BIN``, default
the newest ``/usr/lib/postgresql/*/bin``) in a temporary folder: ``initdb`` as the
``postgres`` user when the tests run as root (initdb refuses root), trust authentication,
the socket in that folder and an ephemeral TCP port on 127.0.0.1. ``fsync`` is off: the
cluster dies with the run. Tests that need a server are skipped, with the reason, only
when none can be had (``.ci/run`` installs PostgreSQL, so CI always has one).
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

ENV_URL = "MOCK_KSEF_TEST_PG"
ENV_BIN = "MOCK_KSEF_PG_BIN"
#: Set (``.ci/run`` does): a server that cannot be had fails the tests instead of skipping.
ENV_REQUIRE = "MOCK_KSEF_REQUIRE_PG"
START_TIMEOUT_S = 60


@dataclass
class PgServer:
    """A reachable server: its admin URL and the schemas handed out so far."""

    url: str
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def schema_url(self, prefix: str = "t") -> str:
        """A URL whose ``search_path`` is a new, empty schema (a store of its own)."""
        import psycopg

        name = f"{prefix}_{os.getpid()}_{next(self._numbers)}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{name}"')
        joiner = "&" if "?" in self.url else "?"
        return f"{self.url}{joiner}options={quote(f'-csearch_path={name}')}"


def _bin_dir() -> Path | None:
    if os.environ.get(ENV_BIN):
        return Path(os.environ[ENV_BIN])
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: p.parts[-3])
    return found[-1].parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_cluster(folder: Path) -> tuple[str, list[str]]:
    """Make and start a cluster in ``folder``; its URL and the command that stops it.

    Raises:
        RuntimeError: no PostgreSQL binaries, or initdb/pg_ctl failed (their output attached).
    """
    bin_dir = _bin_dir()
    if bin_dir is None or not (bin_dir / "initdb").is_file():
        raise RuntimeError(
            f"no PostgreSQL server binaries (looked in {bin_dir or '/usr/lib/postgresql/*/bin'};"
            f" apt-get install postgresql, or set {ENV_URL} to a server's URL)"
        )
    prefix: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    data, port = folder / "data", _free_port()
    initdb = ["-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C"]
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    pg_ctl = ["-D", str(data), "-l", str(folder / "log"), "-w", "-t", str(START_TIMEOUT_S)]
    run = [
        [*prefix, str(bin_dir / "initdb"), *initdb, "--no-sync"],
        [*prefix, str(bin_dir / "pg_ctl"), *pg_ctl, "-o", options, "start"],
    ]
    for command in run:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            log = folder / "log"
            tail = log.read_text(errors="replace")[-2000:] if log.is_file() else ""
            raise RuntimeError(
                f"{' '.join(command[len(prefix) :][:1])} failed ({done.returncode}):"
                f" {done.stdout}{done.stderr}{tail}"
            )
    stop = [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]
    return f"postgresql://postgres@127.0.0.1:{port}/postgres", stop


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A PostgreSQL server for this test process (skipped, with the reason, if none)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        reason = "psycopg is not installed (the postgresql or test extra)"
        if os.environ.get(ENV_REQUIRE):
            pytest.fail(f"{reason} ({ENV_REQUIRE} is set)")
        pytest.skip(reason)
    if os.environ.get(ENV_URL):
        yield PgServer(os.environ[ENV_URL])
        return
    folder = Path(tempfile.mkdtemp(prefix="mock-ksef-pg-"))
    try:
        url, stop = start_cluster(folder)
    except (RuntimeError, OSError, KeyError) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        reason = f"no PostgreSQL server could be started: {exc}"
        if os.environ.get(ENV_REQUIRE):
            pytest.fail(f"{reason} ({ENV_REQUIRE} is set)")
        pytest.skip(reason)
    try:
        yield PgServer(url)
    finally:
        subprocess.run(stop, capture_output=True, check=False)
        shutil.rmtree(folder, ignore_errors=True)


def round_trips(store: Any, folder: Path, work: Callable[[], object]) -> int:
    """Times ``work`` waited for ``store``'s server (a ``PostgresStore`` of one pooled
    connection): in libpq's trace, a message from the server (B) right after one to it (F)."""
    trace = folder / "libpq.trace"
    with trace.open("w") as sink:
        with store._pool.connection() as conn:  # the pool's only one
            conn.pgconn.trace(sink.fileno())
        work()
        with store._pool.connection() as conn:
            conn.pgconn.untrace()
    sides = re.findall(r"^[^\t]*\t([FB])\t", trace.read_text(errors="replace"), re.M)
    return sum(1 for one, two in itertools.pairwise(sides) if (one, two) == ("F", "B"))


def older_schema(url: str, version: int, *undo: str) -> None:
    """Tables in ``url``'s schema as an older mock-ksef left them: created now, then the
    ``undo`` statements run and ``version`` recorded."""
    import psycopg

    from mock_ksef.store.postgres import PostgresStore

    PostgresStore(url).close()
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in undo:
            conn.execute(statement)
        conn.execute("UPDATE schema_version SET version = %s", (version,))


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """A store URL of a fresh, empty schema."""
    return pg_server.schema_url()

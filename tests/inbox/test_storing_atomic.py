"""``store_inbox`` is one store transaction: a process killed (SIGKILL) after its first
chunk was written leaves nothing of the inbox behind, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mock_ksef.domain.repos import Repos
from mock_ksef.domain.retrieval.repo import ENTRY, INVOICE, ReceivedInvoices
from mock_ksef.inbox import generate_inbox, store_inbox
from mock_ksef.inbox.storing import CHUNK
from mock_ksef.store import SqliteStore, Store
from mock_ksef.store.base import Query
from mock_ksef.store.kinds import DUPLICATE
from tests.inbox.conftest import make_spec

#: The child stores this many, and stops (to be killed) once the first chunk is written.
COUNT = CHUNK + 500
_CHILD = textwrap.dedent(
    """
    import sys, time
    from mock_ksef.domain.repos import Repos
    from mock_ksef.inbox import generate_inbox, store_inbox
    from tests.inbox.conftest import make_spec

    def invoices():
        for n, invoice in enumerate(generate_inbox(make_spec(count={count}, seed=2))):
            if n == {chunk} + 1:  # the first chunk went into the store's transaction
                print("first chunk written", flush=True)
                time.sleep(120)
            yield invoice

    url = sys.argv[1]
    if url.startswith("postgresql"):
        from mock_ksef.store.postgres import PostgresStore
        store = PostgresStore(url)
    else:
        from mock_ksef.store import SqliteStore
        from pathlib import Path
        store = SqliteStore(Path(url))
    store_inbox(invoices(), Repos(store))
    """
).format(count=COUNT, chunk=CHUNK)


def _open(where: str) -> Store:
    if where.startswith("postgresql"):
        from mock_ksef.store.postgres import PostgresStore

        return PostgresStore(where)
    return SqliteStore(Path(where))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_store_killed_mid_inbox_leaves_nothing_half_stored(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    where = (
        request.getfixturevalue("pg_server").schema_url()
        if backend == "postgresql"
        else str(tmp_path / "state.db")
    )
    _open(where).close()  # the tables exist before the child starts
    root = Path(__file__).resolve().parents[2]
    with subprocess.Popen(
        [sys.executable, "-c", _CHILD, where],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        stdout=subprocess.PIPE,
        text=True,
    ) as child:
        try:
            assert child.stdout is not None
            assert child.stdout.readline() == "first chunk written\n"
            os.kill(child.pid, signal.SIGKILL)
            assert child.wait(timeout=30) == -signal.SIGKILL
        finally:
            if child.poll() is None:
                child.kill()
    store = _open(where)
    try:
        for kind in (INVOICE, ENTRY, DUPLICATE):
            assert store.query(kind, Query()) == []
        invoices = list(generate_inbox(make_spec(count=COUNT, seed=2)))
        assert store.get_blob(f"invoice-xml/{invoices[0].ksef_number}") is None
        # The state is usable: the whole inbox stores afterwards.
        assert store_inbox(invoices, Repos(store)) == COUNT
        assert len(store.query(INVOICE, Query())) == COUNT
        assert ReceivedInvoices(store).get(invoices[-1].ksef_number) is not None
    finally:
        store.close()

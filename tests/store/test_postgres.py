"""What only the PostgreSQL backend promises: migration, reconnecting, the journal.

Rollback and sharing one state are in the contract suite (``TestDurable``: SQLite and
PostgreSQL).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from mock_ksef.cli import main
from mock_ksef.settings import Settings
from mock_ksef.store import open_store
from mock_ksef.store.pg_schema import SCHEMA_VERSION, SchemaTooNew, StoreUnavailable, redacted
from mock_ksef.store.postgres import PostgresStore
from mock_ksef.traffic.journal import Journal, files_of, reset_journal
from tests.support.pg_server import PgServer, older_schema, round_trips


@pytest.fixture
def store(pg_url: str) -> Iterator[PostgresStore]:
    opened = PostgresStore(pg_url)
    yield opened
    opened.close()


def test_the_schema_is_versioned(pg_url: str) -> None:
    """One row in schema_version, the current version, after a first and a second start."""
    for _ in range(2):
        PostgresStore(pg_url).close()
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]


def test_a_newer_schema_is_refused(pg_url: str) -> None:
    """A database written by a newer mock-ksef is not touched; the message says what to do."""
    PostgresStore(pg_url).close()
    with psycopg.connect(pg_url) as conn:
        conn.execute("UPDATE schema_version SET version = %s", (SCHEMA_VERSION + 1,))
    with pytest.raises(SchemaTooNew, match=rf"version {SCHEMA_VERSION + 1}.*upgrade mock-ksef"):
        PostgresStore(pg_url)


def test_replicas_starting_together_migrate_once(pg_url: str) -> None:
    """Four stores opened at once on an empty schema create the tables once, without error."""
    opened: list[PostgresStore] = []
    errors: list[BaseException] = []

    def start() -> None:
        try:
            opened.append(PostgresStore(pg_url))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert len(opened) == 4
    for store in opened:
        store.close()


def test_an_unreachable_server_names_the_url_without_its_password(pg_server: PgServer) -> None:
    """Start-up fails at once with the URL (password hidden) and libpq's reason."""
    from tests.support.process import free_port

    url = f"postgresql://mock:s3cret@127.0.0.1:{free_port()}/ksef"
    with pytest.raises(StoreUnavailable) as caught:
        open_store(url, None)
    message = str(caught.value)
    assert message.startswith(
        "cannot reach the PostgreSQL store at postgresql://mock:***@127.0.0.1:"
    )
    assert "s3cret" not in message
    assert "refused" in message.lower()


@pytest.mark.parametrize(
    ("argv", "prefix"),
    [
        (["serve", "--port", "0"], "Error: cannot start: cannot reach the PostgreSQL store"),
        (["state", "compact"], "Error: cannot reach the PostgreSQL store"),
    ],
)
def test_the_cli_names_an_unreachable_server(tmp_path: Path, argv: list[str], prefix: str) -> None:
    """``serve`` and ``state compact`` exit 1 with one line naming the URL, no traceback."""
    from tests.support.process import free_port

    url = f"postgresql://mock:s3cret@127.0.0.1:{free_port()}/ksef"
    result = CliRunner().invoke(main, [*argv, "--store", url, "--state-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.startswith(f"{prefix} at postgresql://mock:***@127.0.0.1:")
    assert "s3cret" not in result.output
    assert "Traceback" not in result.output


def test_redacted_hides_passwords_in_the_authority_and_the_query() -> None:
    assert redacted("postgresql://u:p@h:5432/d?password=q&sslmode=require") == (
        "postgresql://u:***@h:5432/d?password=***&sslmode=require"
    )
    assert redacted("postgres://h/d") == "postgres://h/d"


def test_a_connection_the_server_dropped_is_replaced(
    store: PostgresStore, pg_server: PgServer
) -> None:
    """After the server terminates every session of the store, the next calls just work."""
    store.put("s", "1", {"n": 1})
    with psycopg.connect(pg_server.url, autocommit=True) as admin:
        killed = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'"
            " AND datname = current_database()"
        ).fetchone()
    assert killed is not None
    assert killed[0] >= 1
    assert store.get("s", "1") == {"n": 1}
    with store.transaction():
        store.put("s", "2", {"n": 2})
    assert [d["n"] for d in store.find("s")] == [1, 2]


def test_a_failed_write_outside_a_block_leaves_nothing_and_no_lock(pg_url: str) -> None:
    """A put whose index row fails (text with NUL) writes no document and frees the lock."""
    one, two = PostgresStore(pg_url), PostgresStore(pg_url)
    with pytest.raises(psycopg.DataError, match="NUL"):
        one.put("s", "1", {"n": 1}, {"ctx": "bad\x00value"})
    assert one.get("s", "1") is None
    two.put("s", "2", {"n": 2})  # would wait forever on a leaked advisory lock
    one.put("s", "1", {"n": 1}, {"ctx": "A"})
    assert two.find("s", ctx="A") == [{"n": 1}]
    one.close()
    two.close()


def test_closed_store_refuses_work(store: PostgresStore) -> None:
    store.close()
    with pytest.raises(RuntimeError, match="closed"):
        store.get("s", "1")


def test_the_journal_lives_in_the_database_for_every_replica(pg_url: str) -> None:
    """Entries recorded through one store are listed through another; the newest N are kept."""
    one, two = PostgresStore(pg_url), PostgresStore(pg_url)
    writer, reader = Journal(one, size=3), Journal(two, size=3)
    assert files_of(one) is one.request_journal
    first = writer.reserve()
    second = reader.reserve()
    writer.record({"method": "GET", "path": "/v2/a"}, second)
    writer.record({"method": "POST", "path": "/v2/b"}, first)
    assert [(e["sequence"], e["path"]) for e in reader.entries()] == [(1, "/v2/b"), (2, "/v2/a")]
    for n in range(3):
        reader.record({"method": "GET", "path": f"/v2/c{n}"})
    assert [e["sequence"] for e in writer.entries()] == [3, 4, 5]
    assert reader.clear() == 3
    assert writer.entries() == []
    assert writer.record({"method": "GET", "path": "/v2/d"}) == 6
    reset_journal(one)
    assert writer.record({"method": "GET", "path": "/v2/e"}) == 1
    one.reset()
    assert reader.entries() == []
    assert writer.record({"method": "GET", "path": "/v2/f"}) == 1  # places restart too
    one.close()
    two.close()


def test_a_state_of_schema_2_keeps_its_journal_places(pg_url: str) -> None:
    """Version 3 draws places from a database sequence, continuing the ``sequences`` row."""
    undo = ("DROP SEQUENCE journal_places", "INSERT INTO sequences VALUES ('journal', 41)")
    older_schema(pg_url, 2, *undo)
    store = PostgresStore(pg_url)
    try:
        assert Journal(store, size=10).record({"method": "GET", "path": "/v2/a"}) == 42
        with psycopg.connect(pg_url) as conn:
            assert conn.execute("SELECT name FROM sequences").fetchall() == []
            assert conn.execute("SELECT version FROM schema_version").fetchall() == [(3,)]
    finally:
        store.close()


def test_the_setting_accepts_postgresql_urls() -> None:
    """``--store postgresql://…`` (or ``postgres://``) passes the settings check."""
    for url in ("postgresql://mock:pw@db:5432/ksef", "postgres:///ksef?host=/run/pg"):
        assert Settings().with_overrides(store=url).store == url


def test_writes_in_a_block_travel_with_the_next_read_or_the_commit(
    pg_url: str, tmp_path: Path
) -> None:
    store = PostgresStore(pg_url, pool_size=1)
    try:
        store.get("s", "warm")  # the pool's connection is open

        def block() -> None:
            with store.transaction():
                store.put("s", "1", {"n": 1}, {"ctx": "A"})
                store.put("s", "2", {"n": 2})
                assert store.find("s", ctx="A") == [{"n": 1}]  # sees the queued put
                store.delete("s", "2")
                store.put_blob("b", b"x")

        # BEGIN with its lock; the two puts, then the find; the COMMIT with the rest
        # (7 when each write was a round trip of its own)
        assert round_trips(store, tmp_path, block) == 4
        assert [store.get("s", "1"), store.get("s", "2"), store.get_blob("b")] == [
            {"n": 1},
            None,
            b"x",
        ]
        assert round_trips(store, tmp_path, lambda: store.put("s", "3", {"n": 3})) == 1
    finally:
        store.close()


def test_a_failing_statement_in_a_block_rolls_the_block_back(pg_url: str) -> None:
    store = PostgresStore(pg_url)

    def block() -> None:
        with store.transaction():
            store.put("s", "1", {"n": 1})  # queued, sent with the failing statement
            store._run(lambda c: c.execute("SELECT * FROM no_such_table").fetchall())

    try:
        with pytest.raises(psycopg.errors.UndefinedTable):
            block()
        assert store.get("s", "1") is None
        store.put("s", "2", {"n": 2})  # no lock left behind
        assert store.find("s") == [{"n": 2}]
    finally:
        store.close()

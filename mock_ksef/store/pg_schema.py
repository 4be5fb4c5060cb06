"""The PostgreSQL store's tables, their migrations, its connections' set-up and the words
(URL, error) a message may show.

The layout mirrors SQLite's (``docs``, ``idx``, ``blobs``, ``sequences``) plus the request
journal (``journal``). Every text column a query orders or ranges by is ``COLLATE "C"``:
index values compare as code points, as the store contract says (and SQLite does).

``schema_version`` holds one row, the version the tables have. At start-up
:func:`migrate` takes a transaction-scoped advisory lock (so replicas starting together
migrate once), applies the steps of :data:`MIGRATIONS` above the stored version in order,
and refuses a database written by a newer mock-ksef. A step is a list of statements run
in that one transaction: PostgreSQL's DDL is transactional, so a failed step leaves the
previous version intact. See ``docs/postgresql.md``.
"""

from __future__ import annotations

import zlib
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg

from mock_ksef.store.generation import EVER

#: Version 1: docs, idx, blobs, sequences, journal. Version 2: ``generations``, the
#: state's invalidation counters (``store/generation.py``), which a reset does not empty.
#: Version 3: the journal's places come from the database sequence ``journal_places``
#: (a ``nextval``, no row lock or write transaction per request), no longer from the
#: ``journal`` row of ``sequences``, whose value it continues.
SCHEMA_VERSION = 3
#: Counter slots of ``generations`` (more than :mod:`mock_ksef.store.generation` uses).
GENERATION_SLOTS = 8
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        "CREATE SEQUENCE doc_positions",
        """CREATE TABLE docs (
            kind text COLLATE "C" NOT NULL, key text COLLATE "C" NOT NULL,
            position bigint NOT NULL, body text NOT NULL, PRIMARY KEY (kind, key))""",
        "CREATE INDEX docs_position ON docs (kind, position)",
        """CREATE TABLE idx (
            kind text COLLATE "C" NOT NULL, key text COLLATE "C" NOT NULL,
            name text COLLATE "C" NOT NULL, value text COLLATE "C" NOT NULL,
            PRIMARY KEY (kind, key, name))""",
        "CREATE INDEX idx_order ON idx (kind, name, value, key)",
        "CREATE TABLE blobs (key text PRIMARY KEY, data bytea NOT NULL)",
        "CREATE TABLE sequences (name text PRIMARY KEY, value bigint NOT NULL)",
        "CREATE TABLE journal (sequence bigint PRIMARY KEY, body text NOT NULL)",
    ),
    2: (
        "CREATE TABLE generations (slot integer PRIMARY KEY, value bigint NOT NULL)",
        f"INSERT INTO generations SELECT s, 0 FROM generate_series(0, {GENERATION_SLOTS - 1}) s",
        # A state written before the counters: its "ever written" counters start at 1.
        *(
            f"UPDATE generations SET value = 1 WHERE slot = {slot}"
            f" AND EXISTS (SELECT 1 FROM docs WHERE kind = '{kind}')"
            for slot, kind in EVER.items()
        ),
    ),
    3: (
        "CREATE SEQUENCE journal_places",
        "SELECT setval('journal_places', value) FROM sequences WHERE name = 'journal'",
        "DELETE FROM sequences WHERE name = 'journal'",
    ),
}
#: The tables ``reset`` empties.
TABLES = ("docs", "idx", "blobs", "sequences", "journal")


class StoreUnavailable(ConnectionError):
    """The PostgreSQL server named by a store URL cannot be reached (or refused us)."""


class SchemaTooNew(ValueError):
    """The database was written by a newer mock-ksef (a schema version above ours)."""


def redacted(url: str) -> str:
    """``url`` with its password (in the authority or a ``password=`` parameter) as ``***``."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.partition(':')[0]}:***@{host}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, "***" if k == "password" else v) for k, v in pairs], safe="*/")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def lock_key(schema: str, purpose: str) -> int:
    """A 32-bit advisory lock number of one purpose in one schema (two mocks, two keys)."""
    return zlib.crc32(f"mock-ksef:{purpose}:{schema}".encode())


def migrate(conn: psycopg.Connection[tuple[object, ...]], url: str) -> None:
    """Create or upgrade the tables in the connection's current schema (see module doc).

    Raises:
        SchemaTooNew: the database holds a newer schema than this mock-ksef knows.
        ValueError: the URL's ``search_path`` names no existing schema.
    """
    with conn.transaction():
        row = conn.execute("SELECT current_schema()").fetchone()
        schema = str(row[0]) if row and row[0] else ""
        if not schema:
            raise ValueError(
                f"{redacted(url)}: no schema to create tables in (the search_path names"
                " none that exists); create one or fix the options of the URL"
            )
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key(schema, "migrate"),))
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)")
        found = conn.execute("SELECT version FROM schema_version").fetchone()
        version = int(str(found[0])) if found else 0
        if version > SCHEMA_VERSION:
            raise SchemaTooNew(
                f"{redacted(url)} (schema {schema}) has store schema version {version};"
                f" this mock-ksef reads up to {SCHEMA_VERSION}: upgrade mock-ksef or use"
                " another database or schema"
            )
        for step in range(version + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[step]:
                conn.execute(statement)
        if not found:
            conn.execute("INSERT INTO schema_version VALUES (%s)", (SCHEMA_VERSION,))
        elif version < SCHEMA_VERSION:
            conn.execute("UPDATE schema_version SET version = %s", (SCHEMA_VERSION,))


def configure_connection(conn: psycopg.Connection[tuple[Any, ...]]) -> None:
    """Per connection: commit without waiting for the WAL flush (see docs/postgresql.md).

    A replica killed after a commit loses nothing (the server has the commit); only a
    crash of the PostgreSQL server itself may lose the last fraction of a second, as
    SQLite's ``synchronous=NORMAL`` may on a power cut. A URL that sets
    ``synchronous_commit`` in its ``options`` keeps its own value.
    """
    if "synchronous_commit" not in (conn.info.get_parameters().get("options") or ""):
        conn.execute("SET synchronous_commit = off")


def first_line(exc: psycopg.Error) -> str:
    """The server's or libpq's first line of an error."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]

"""``mock-ksef state compact``: apply retention now, re-index old documents, ``VACUUM``."""

from __future__ import annotations

import click

from mock_ksef.cli_config import resolve_settings
from mock_ksef.clock import parse_clock
from mock_ksef.domain.repos import Repos
from mock_ksef.domain.retention import RetentionPolicy, sweep_all
from mock_ksef.store import POSTGRES_SCHEMES, SqliteStore, Store, open_store


@click.group()
def state() -> None:
    """The mock's state folder."""


def _size(store: Store) -> tuple[str, int]:
    """The store's name and bytes: the SQLite file and its WAL, or the PostgreSQL tables."""
    if isinstance(store, SqliteStore):
        files = (store.path, store.path.with_name(store.path.name + "-wal"))
        return str(store.path), sum(p.stat().st_size for p in files if p.exists())
    from mock_ksef.store.postgres import PostgresStore  # psycopg only for PostgreSQL

    assert isinstance(store, PostgresStore)
    return store.describe(), store.size_bytes()


@state.command("compact")
@click.option("--state-dir", help="The state folder [MOCK_KSEF_STATE_DIR or .mock-ksef].")
@click.option("--store", help="sqlite | sqlite:PATH | postgresql://… [sqlite in the state folder].")
def compact(state_dir: str | None, store: str | None) -> None:
    """Delete what the retention settings let go (on the mock clock), then VACUUM.

    Safe while a server runs on the same folder: writers wait for the VACUUM.
    """

    settings = resolve_settings({"state_dir": state_dir, "store": store})
    if not settings.store.startswith(("sqlite", *POSTGRES_SCHEMES)):
        raise click.UsageError(f"nothing to compact in a {settings.store!r} store")
    default_file = settings.state_path / "state.sqlite3" if settings.state_path else None
    if settings.store == "sqlite" and default_file and not default_file.is_file():
        raise click.UsageError(f"no state to compact: {default_file} does not exist")
    try:
        target = open_store(settings.store, settings.state_path)
    except (ValueError, OSError) as exc:  # e.g. a PostgreSQL server that cannot be reached
        raise click.ClickException(str(exc)) from None
    try:
        name, before = _size(target)
        reindexed = Repos(target).reindex()
        swept = sweep_all(target, RetentionPolicy.of(settings), parse_clock(settings.clock).now())
        target.compact()
        after = _size(target)[1]
    finally:
        target.close()
    click.echo(
        f"{name}: {before / 2**20:.1f} MB -> {after / 2**20:.1f} MB; re-indexed "
        f"{reindexed} documents; removed {swept.sessions} sessions, {swept.invoices} "
        f"invoices, {swept.auth_operations} auth operations, {swept.challenges} challenges, "
        f"{swept.journal_entries} journal entries, {swept.exports} exports"
    )

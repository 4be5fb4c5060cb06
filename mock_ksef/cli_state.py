"""``mock-ksef state compact``: apply retention now, re-index old documents, ``VACUUM``."""

from __future__ import annotations

from pathlib import Path

import click

from mock_ksef.cli_config import resolve_settings
from mock_ksef.clock import parse_clock
from mock_ksef.domain.repos import Repos
from mock_ksef.domain.retention import RetentionPolicy, sweep_all
from mock_ksef.store import SqliteStore, open_store


@click.group()
def state() -> None:
    """The mock's state folder."""


def _size(path: Path) -> int:
    """Bytes of the SQLite file and its WAL."""
    files = (path, path.with_name(path.name + "-wal"))
    return sum(p.stat().st_size for p in files if p.exists())


@state.command("compact")
@click.option("--state-dir", help="The state folder [MOCK_KSEF_STATE_DIR or .mock-ksef].")
@click.option("--store", help="sqlite | sqlite:PATH [sqlite in the state folder].")
def compact(state_dir: str | None, store: str | None) -> None:
    """Delete what the retention settings let go (on the mock clock), then VACUUM.

    Safe while a server runs on the same folder: writers wait for the VACUUM.
    """

    settings = resolve_settings({"state_dir": state_dir, "store": store})
    if not settings.store.startswith("sqlite"):
        raise click.UsageError(f"nothing to compact in a {settings.store!r} store")
    default_file = settings.state_path / "state.sqlite3" if settings.state_path else None
    if settings.store == "sqlite" and default_file and not default_file.is_file():
        raise click.UsageError(f"no state to compact: {default_file} does not exist")
    target = open_store(settings.store, settings.state_path)
    assert isinstance(target, SqliteStore)
    try:
        before = _size(target.path)
        reindexed = Repos(target).reindex()
        swept = sweep_all(target, RetentionPolicy.of(settings), parse_clock(settings.clock).now())
        target.compact()
        after = _size(target.path)
    finally:
        target.close()
    click.echo(
        f"{target.path}: {before / 2**20:.1f} MB -> {after / 2**20:.1f} MB; re-indexed "
        f"{reindexed} documents; removed {swept.sessions} sessions, {swept.invoices} "
        f"invoices, {swept.auth_operations} auth operations, {swept.challenges} challenges, "
        f"{swept.journal_entries} journal entries, {swept.exports} exports"
    )

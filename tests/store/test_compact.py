"""``mock-ksef state compact`` on a real state folder."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner

from mock_ksef.cli import main
from mock_ksef.domain.repos import Repos
from mock_ksef.store import SqliteStore, Store
from tests.store.test_retention import DAY, NOW, _old_session_with_invoices

CLOCK = f"frozen:{NOW.isoformat()}"
BIG = b"x" * 200_000


def _folder(path: Path) -> None:
    """A SQLite state folder filled by :func:`_fill`."""
    _fill(SqliteStore(path / "state.sqlite3"))


def _fill(store: Store) -> None:
    """Two old sessions with big invoice blobs and one recent one (25 documents); closed."""
    repos = Repos(store)
    for ref in ("OLD1", "OLD2"):
        _old_session_with_invoices(repos, ref, NOW - 200 * DAY, 5)
        for n in range(5):
            store.put_blob(f"invoice-xml/K-{ref}-{n}", BIG)
    _old_session_with_invoices(repos, "NEW", NOW - timedelta(hours=1), 1)
    store.close()


def test_compact_applies_retention_and_shrinks_the_file(tmp_path: Path) -> None:
    """Old sessions and their blobs go, the recent one stays, the file gets smaller."""
    _folder(tmp_path)
    file = tmp_path / "state.sqlite3"
    before = file.stat().st_size
    result = CliRunner().invoke(
        main, ["state", "compact", "--state-dir", str(tmp_path)], env={"MOCK_KSEF_CLOCK": CLOCK}
    )
    assert result.exit_code == 0, result.output
    assert "re-indexed 25 documents; removed 2 sessions, 10 invoices" in result.output
    assert file.stat().st_size < before - 10 * len(BIG) // 2
    store = SqliteStore(file)
    repos = Repos(store)
    assert repos.get_session("OLD1") is None
    assert store.get_blob("invoice-xml/K-OLD2-4") is None
    assert [i.reference for i in repos.invoices_in_session("NEW")] == ["NEW-0"]
    store.close()


def test_compact_refuses_a_folder_without_state(tmp_path: Path) -> None:
    """A missing state file is an error, not a new empty one."""
    result = CliRunner().invoke(main, ["state", "compact", "--state-dir", str(tmp_path / "no")])
    assert result.exit_code == 2
    assert "does not exist" in result.output
    assert not (tmp_path / "no").exists()


def test_compact_refuses_a_memory_store(tmp_path: Path) -> None:
    """There is nothing on disk to compact for the memory store."""
    result = CliRunner().invoke(main, ["state", "compact", "--store", "memory"])
    assert result.exit_code == 2
    assert "memory" in result.output


def test_compact_a_postgresql_store(pg_url: str) -> None:
    """``--store postgresql://…``: the same retention sweep, then VACUUM of the tables."""
    from mock_ksef.store.postgres import PostgresStore

    _fill(PostgresStore(pg_url))
    result = CliRunner().invoke(
        main, ["state", "compact", "--store", pg_url], env={"MOCK_KSEF_CLOCK": CLOCK}
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("postgresql, postgresql://postgres@127.0.0.1:")
    assert "re-indexed 25 documents; removed 2 sessions, 10 invoices" in result.output
    store = PostgresStore(pg_url)
    repos = Repos(store)
    assert repos.get_session("OLD1") is None
    assert store.get_blob("invoice-xml/K-OLD2-4") is None
    assert [i.reference for i in repos.invoices_in_session("NEW")] == ["NEW-0"]
    store.close()

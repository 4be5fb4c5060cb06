"""``mock-ksef state compact`` on a real state folder."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner

from mock_ksef.cli import main
from mock_ksef.domain.repos import Repos
from mock_ksef.store import SqliteStore
from tests.store.test_retention import DAY, NOW, _old_session_with_invoices

CLOCK = f"frozen:{NOW.isoformat()}"
BIG = b"x" * 200_000


def _folder(path: Path) -> None:
    """Two old sessions with big invoice blobs and one recent one (25 documents)."""
    store = SqliteStore(path / "state.sqlite3")
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

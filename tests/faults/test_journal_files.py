"""The journal of a SQLite state: files beside the database, shared by worker processes."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

from mock_ksef.traffic.journal_file import FileJournal


def _worker(folder: str, name: str, count: int) -> None:
    journal = FileJournal(Path(folder))
    for n in range(count):
        journal.record({"path": f"/{name}/{n}"}, journal.reserve(10_000), 10_000)


def test_workers_share_one_dense_sequence(tmp_path: Path) -> None:
    """Two processes appending at once: every entry once, sequences 1..n, in start order."""
    folder = str(tmp_path / "db.requests")
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_worker, args=(folder, w, 300)) for w in ("a", "b")]
    for process in workers:
        process.start()
    for process in workers:
        process.join(30)
        assert process.exitcode == 0
    entries = FileJournal(Path(folder)).entries(10_000)
    assert [e["sequence"] for e in entries] == list(range(1, 601))
    for name in ("a", "b"):
        mine = [e["path"] for e in entries if e["path"].startswith(f"/{name}/")]
        assert mine == [f"/{name}/{n}" for n in range(300)]


def test_bounded_by_two_segments(tmp_path: Path) -> None:
    """A full segment starts the next and drops the one before: at most 2 × size on disk."""
    journal = FileJournal(tmp_path / "j")
    for n in range(25):
        journal.record({"n": n}, journal.reserve(5), 5)
    assert [e["n"] for e in journal.entries(5)] == [20, 21, 22, 23, 24]
    assert len(list((tmp_path / "j").glob("*.jsonl"))) <= 2
    lines = sum(p.read_text().count("\n") for p in (tmp_path / "j").glob("*.jsonl"))
    assert lines <= 10


def test_an_entry_that_ends_late_keeps_its_place(tmp_path: Path) -> None:
    """Ordered by the sequence reserved at the start, whichever entry is written first."""
    journal = FileJournal(tmp_path / "j")
    first, second = journal.reserve(10), journal.reserve(10)
    journal.record({"path": "/second"}, second, 10)
    assert [e["path"] for e in journal.entries(10)] == ["/second"]
    journal.record({"path": "/first"}, first, 10)
    assert [e["path"] for e in journal.entries(10)] == ["/first", "/second"]


def test_clear_and_reset_seen_by_another_process(tmp_path: Path) -> None:
    """A clear keeps counting; a reset starts at 1; the other opener sees both at once."""
    one, other = FileJournal(tmp_path / "j"), FileJournal(tmp_path / "j")
    for _ in range(3):
        one.record({}, one.reserve(10), 10)
    assert len(other.entries(10)) == 3
    pending = one.reserve(10)  # a request running across the clear
    other.clear()
    one.record({"late": True}, pending, 10)
    assert other.entries(10) == []
    one.record({}, one.reserve(10), 10)
    assert [e["sequence"] for e in other.entries(10)] == [5]
    other.clear(restart=True)
    one.record({}, one.reserve(10), 10)
    assert [e["sequence"] for e in one.entries(10)] == [1]


def test_any_declared_value_is_kept(tmp_path: Path) -> None:
    """Whatever JSON a client declared (here integers beyond 64 bits) is journaled as is."""
    journal = FileJournal(tmp_path / "j")
    declared = {"invoiceSize": 2**70, "invoiceHash": 2**64 + 1, "path": "/ż"}
    journal.record(declared, journal.reserve(10), 10)
    (entry,) = journal.entries(10)
    assert {k: entry[k] for k in declared} == declared
    assert [type(entry[k]) for k in ("invoiceSize", "invoiceHash")] == [int, int]  # not floats


def test_a_request_running_across_a_reset_is_not_listed(tmp_path: Path) -> None:
    """A ticket taken before a reset belongs to the old journal, whenever its entry ends."""
    one, other = FileJournal(tmp_path / "j"), FileJournal(tmp_path / "j")
    one.record({}, one.reserve(10), 10)
    pending = one.reserve(10)
    other.clear(restart=True)
    # Another thread of the same process (descriptors of its own) ends the old request.
    late = threading.Thread(target=one.record, args=({"late": True}, pending, 10))
    late.start()
    late.join(10)
    other.record({"new": 1}, other.reserve(10), 10)
    assert [(e["sequence"], e.get("new")) for e in one.entries(10)] == [(1, 1)]
    assert [p.name.split("-")[0] for p in (tmp_path / "j").glob("*.jsonl")] == [
        str((tmp_path / "j" / "tickets").stat().st_ino)
    ]


def test_a_thread_per_request_leaves_no_descriptor_open(tmp_path: Path) -> None:
    """werkzeug's dev server starts a thread per request: its descriptors close with it."""
    journal = FileJournal(tmp_path / "j")

    def one_request() -> None:
        journal.record({}, journal.reserve(10), 10)

    def open_descriptors() -> int:
        return len(list(Path("/proc/self/fd").iterdir()))

    one_request()
    before = open_descriptors()
    for _ in range(50):
        thread = threading.Thread(target=one_request)
        thread.start()
        thread.join(10)
    assert open_descriptors() <= before
    assert [e["sequence"] for e in journal.entries(10)] == list(range(42, 52))

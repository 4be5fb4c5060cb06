"""The package read in place from its encrypted parts equals the concatenated plaintext."""

from __future__ import annotations

import io
import random
from pathlib import Path

from mock_ksef.batch_files import FilePartStore
from mock_ksef.crypto.envelope import aes_cbc_encrypt
from mock_ksef.domain.package_view import package_view

KEY, IV = bytes(range(32)), bytes(range(16))


def test_random_reads_and_seeks_match_the_plaintext(tmp_path: Path) -> None:
    """Reads at random offsets and lengths, across part boundaries and to the end."""
    rng = random.Random(3)
    pieces = [rng.randbytes(n) for n in (1, 15, 16, 17, 70_001, 2_000_000)]
    store = FilePartStore(tmp_path)
    for ordinal, piece in enumerate(pieces, start=1):
        store.commit(store.stage("SB", ordinal, [aes_cbc_encrypt(KEY, IV, piece)]))
    plain = b"".join(pieces)
    sizes = [(n, len(p)) for n, p in enumerate(pieces, start=1)]
    with package_view(store, "SB", KEY, IV, sizes) as view:
        assert view.read() == plain
        for _ in range(300):
            start = rng.randrange(len(plain) + 5)
            length = rng.randrange(1, 40_000)
            view.seek(start)
            assert view.read(length) == plain[start : start + length]
        assert view.seek(-5, io.SEEK_END) == len(plain) - 5
        assert view.read() == plain[-5:]

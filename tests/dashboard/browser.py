"""A real headless Chromium driven by Selenium, for the dashboard tests.

Uses Debian's ``chromium`` and ``chromium-driver`` packages (``.ci/run`` installs them);
``MOCK_KSEF_CHROMIUM`` / ``MOCK_KSEF_CHROMEDRIVER`` point elsewhere. Selenium Manager is
never asked to download anything: the driver path is given and ``SE_OFFLINE`` is set. A
missing browser fails the test with the command that installs it; it is never skipped.
"""

from __future__ import annotations

import os
import struct
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = os.environ.get("MOCK_KSEF_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("MOCK_KSEF_CHROMEDRIVER", "/usr/bin/chromedriver")
INSTALL_HINT = (
    "the dashboard tests need a headless Chromium and its driver: on Debian/Ubuntu run "
    "`apt-get update && apt-get install -y chromium chromium-driver` (.ci/run does this), "
    "or set MOCK_KSEF_CHROMIUM and MOCK_KSEF_CHROMEDRIVER"
)
#: The viewport of every page: a 720p projector.
VIEWPORT = (1280, 720)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
)


def require_browser() -> None:
    """Fail (never skip) with the install command when Chromium or its driver is missing."""
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    if missing:
        pytest.fail(f"{', '.join(missing)} not found: {INSTALL_HINT}", pytrace=False)


@contextmanager
def chromium() -> Iterator[webdriver.Chrome]:
    """A headless Chromium with a fresh profile in a temporary folder."""
    require_browser()
    with tempfile.TemporaryDirectory(prefix="mock-ksef-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in (*FLAGS, f"--user-data-dir={profile}"):
            options.add_argument(flag)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("SE_OFFLINE", "true")
            driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        try:
            width, height = VIEWPORT
            driver.execute_cdp_cmd(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            )
            yield driver
        finally:
            driver.quit()


@dataclass(frozen=True)
class Png:
    """The header facts of a decoded PNG."""

    width: int
    height: int
    distinct_samples: int


def read_png(path: Path) -> Png:
    """Decode ``path`` far enough to prove it is a whole PNG: signature, chunk CRCs,
    IHDR, and image data that inflates to exactly ``height`` rows of ``width`` pixels.

    Raises:
        AssertionError: it is not.
    """
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    offset, chunks = 8, []
    for _ in range(100_000):  # bounded walk over the chunks
        if offset >= len(data):
            break
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in chunk {kind!r}"
        chunks.append((kind, body))
        offset += 12 + length
    assert chunks[0][0] == b"IHDR", "IHDR must come first"
    assert chunks[-1][0] == b"IEND", "IEND must come last"
    width, height, depth, colour = struct.unpack(">IIBB", chunks[0][1][:10])
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    assert depth == 8, f"unexpected bit depth {depth}"
    pixels = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    assert len(pixels) == height * (1 + width * channels), "image data does not match IHDR"
    return Png(width, height, len(set(pixels[:: max(1, len(pixels) // 5000)])))

"""Where the official KSeF material is: ``KSEF_SPEC_DIR`` (default ``../shared/ksef/spec``)."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def spec_dir() -> Path:
    """The folder holding ``open-api.json``, the XSDs and the UPO examples."""
    configured = os.environ.get("KSEF_SPEC_DIR")
    path = Path(configured) if configured else REPO_ROOT.parent / "shared" / "ksef" / "spec"
    if not (path / "open-api.json").is_file():
        raise RuntimeError(f"KSeF spec not found in {path}: set KSEF_SPEC_DIR")
    return path.resolve()

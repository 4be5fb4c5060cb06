"""The bundled scenario library: where it lies, and a digest that vouches for it at start.

Parsing and validating the library (PyYAML, jsonschema, about 40 files) costs
``mock-ksef serve`` about 0.15 s of its cold start. ``bundle_digest.json`` records the
SHA-256 of a library that validated — its files and the code that validates them (every
file of this package) — and how many scenarios it holds. The server's master process
compares the digest of what is installed with it: on a match it skips the parse (each
worker still loads the files, in the background); on any difference (an edited scenario,
a changed loader or schema) it parses and validates as before, so a broken file still stops
the start with its located message. ``--scenarios-dir`` folders are always validated.

Regenerate after changing the library or the loader (``tests/scenario/test_bundle_digest.py``
fails while it is stale)::

    python -m mock_ksef.scenario.bundle_digest
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

SUFFIXES = (".yaml", ".yml")
DIGEST_FILE = Path(__file__).with_name("bundle_digest.json")
_PACKAGE = Path(__file__).resolve().parent
#: Not part of the digest: this module and its output.
_SELF = frozenset({"bundle_digest.py", "bundle_digest.json"})


def bundled_scenarios_dir() -> Path:
    """The bundled library: ``mock_ksef/bundled_scenarios`` in a wheel, else ``scenarios/``.

    ``setup.py`` maps the top-level ``scenarios/`` folder onto the package
    ``mock_ksef.bundled_scenarios``, so an installed copy carries the files; a source
    checkout (or an editable install) reads the top-level folder directly.
    """
    package = _PACKAGE.parent
    installed = package / "bundled_scenarios"
    return installed if installed.is_dir() else package.parent / "scenarios"


def library_digest(folder: Path) -> str:
    """SHA-256 over the scenario files of ``folder`` and the files of the scenario package."""
    digest = hashlib.sha256()
    files = [p for p in folder.iterdir() if p.suffix in SUFFIXES and p.is_file()]
    code = [p for p in _PACKAGE.iterdir() if p.is_file() and p.name not in _SELF]
    for label, paths in (("scenario", files), ("code", code)):
        for path in sorted(paths, key=lambda p: p.name):
            data = path.read_bytes()
            digest.update(f"{label}:{path.name}:{len(data)}\n".encode())
            digest.update(data)
    return digest.hexdigest()


def vouched_count(folder: Path, digest_file: Path = DIGEST_FILE) -> int | None:
    """The number of scenarios in ``folder`` if the recorded digest vouches for it, else None."""
    try:
        recorded = json.loads(digest_file.read_text())
        if recorded["sha256"] == library_digest(folder):
            return int(recorded["scenarios"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def write_digest(folder: Path, digest_file: Path = DIGEST_FILE) -> int:
    """Validate ``folder`` in full and record its digest; returns the scenario count.

    Raises:
        ScenarioError: the library does not validate (nothing is written).
    """
    from mock_ksef.scenario.loader import load_scenario_folder

    count = len(load_scenario_folder(folder))
    record = {"sha256": library_digest(folder), "scenarios": count}
    digest_file.write_text(json.dumps(record, indent=2) + "\n")
    return count


if __name__ == "__main__":  # pragma: no cover - the regeneration command
    print(f"{write_digest(bundled_scenarios_dir())} scenarios vouched in {DIGEST_FILE}")

"""The bundled scenario library: where it lies, and a pre-parsed copy vouched for by a digest.

Parsing and validating the library (importing PyYAML and jsonschema, about 40 files) costs
a process about 0.15 s and 4 MB. ``bundle_digest.json`` records the SHA-256 of a library
that validated — its files and the code that validates them (every file of this package)
— with each file's data as parsed. When the digest of what is installed matches, the
server's master process skips the check and every app builds the scenarios from that
data (the same ``build_scenario`` call the loader makes, so the same values); on any
difference (an edited scenario, a changed loader or schema) the files are parsed and
validated as before, so a broken file still stops the start with its located message.
``--scenarios-dir`` folders are always parsed and validated.

Regenerate after changing the library or the loader (``tests/scenario/test_bundle_digest.py``
fails while it is stale)::

    python -m mock_ksef.scenario.bundle_digest
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mock_ksef.scenario.model import Scenario

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


def _vouched(folder: Path, digest_file: Path) -> dict[str, Any] | None:
    try:
        recorded: dict[str, Any] = json.loads(digest_file.read_text())
        if recorded["sha256"] == library_digest(folder):
            return recorded
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def vouched_count(folder: Path, digest_file: Path = DIGEST_FILE) -> int | None:
    """The number of scenarios in ``folder`` if the recorded digest vouches for it, else None."""
    recorded = _vouched(folder, digest_file)
    return None if recorded is None else len(recorded["files"])


def vouched_scenarios(folder: Path, digest_file: Path = DIGEST_FILE) -> list[Scenario] | None:
    """The scenarios of ``folder`` built from the recorded data, if the digest vouches for it."""
    recorded = _vouched(folder, digest_file)
    if recorded is None:
        return None
    from mock_ksef.scenario.build import build_scenario

    return [
        build_scenario(data, str(folder / name), default_name=Path(name).stem)
        for name, data in recorded["files"].items()
    ]


def write_digest(folder: Path, digest_file: Path = DIGEST_FILE) -> int:
    """Validate ``folder`` in full and record its digest and data; returns the scenario count.

    Raises:
        ScenarioError: the library does not validate (nothing is written).
    """
    from mock_ksef.scenario.loader import load_scenario_folder, scenario_files
    from mock_ksef.scenario.yaml_nodes import compose

    load_scenario_folder(folder)  # every check the loader makes
    files: dict[str, Any] = {}
    for path in scenario_files(folder):
        document = compose(path.read_text(encoding="utf-8"))
        files[path.name] = document.data if document else None
    record = {"sha256": library_digest(folder), "files": files}
    digest_file.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n")
    return len(files)


if __name__ == "__main__":  # pragma: no cover - the regeneration command
    print(f"{write_digest(bundled_scenarios_dir())} scenarios vouched in {DIGEST_FILE}")

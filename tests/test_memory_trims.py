"""Memory a worker does not spend: modules left unimported, malloc arenas capped.

See docs/performance.md, "RSS".
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def _imported_after_build(tmp_path: Path, modules: list[str], then: str = "") -> dict[str, bool]:
    """Build an app on a SQLite state folder in a fresh interpreter, run ``then``, report."""
    code = (
        "import json, sys\n"
        "from mock_ksef.app import create_app\n"
        f"app = create_app(seed=1, state_dir={str(tmp_path)!r})\n"
        "from mock_ksef.http.context import services\n"
        "services(app).shared.refresh()\n"
        f"{then}\n"
        f"print(json.dumps({{m: m in sys.modules for m in {modules!r}}}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def test_a_replica_without_runtime_scenarios_never_imports_pyyaml_or_jsonschema(tmp_path):
    assert _imported_after_build(tmp_path, ["yaml", "jsonschema"]) == {
        "yaml": False,
        "jsonschema": False,
    }


def test_a_worker_caps_its_malloc_arenas_on_glibc():
    code = (
        "import platform; from mock_ksef import serving\n"
        "print(platform.libc_ver()[0], serving._limit_malloc_arenas())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["glibc", "True"]

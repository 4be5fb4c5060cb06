"""Memory a worker does not spend: modules left unimported, malloc arenas capped.

See docs/performance.md, "RSS".
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.process import ServerProcess, clean_env, console_script, get_json


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


def test_the_serve_master_imports_neither_the_app_nor_what_only_workers_use():
    """Every page the master holds is counted again in each forked worker's RSS."""
    code = (
        "import json, sys\n"
        "import mock_ksef.cli, mock_ksef.serving\n"
        "from gunicorn.app.base import BaseApplication\n"
        "from gunicorn.arbiter import Arbiter\n"
        "import gunicorn.workers.gthread\n"
        "names = ['flask', 'lxml', 'cryptography', 'marshmallow', 'asyncio', 'http.client',\n"
        "         'urllib.request', 'mock_ksef.app']\n"
        "print(json.dumps({m: m in sys.modules for m in names}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == {
        "flask": False,
        "lxml": False,
        "cryptography": False,
        "marshmallow": False,
        "asyncio": False,
        "http.client": False,
        "urllib.request": False,
        "mock_ksef.app": False,
    }


def test_gunicorn_opens_no_control_socket(tmp_path: Path) -> None:
    """gunicorn 25.1+ would run an asyncio control server in the master, on one socket per
    user (``~/.gunicorn/gunicorn.ctl``) that every server of the machine would share."""
    home = tmp_path / "home"
    home.mkdir()
    env = clean_env({"HOME": str(home)})
    env.pop("XDG_RUNTIME_DIR", None)
    argv = [console_script(), "serve", "--port", "0", "--server", "gunicorn", "--workers", "2"]
    with ServerProcess([*argv, "--state-dir", str(tmp_path / "state")], env) as server:
        server.wait_for_banner()
        status, _ = get_json(server.url + "/_mock/health", timeout=30)
        assert server.stop() == 0, server.output()
    assert status == 200
    assert sorted(p.name for p in home.rglob("*")) == []
    assert "control socket" not in server.stderr.lower()

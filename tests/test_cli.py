"""``mock-ksef`` for real: a child process, real HTTP, real signals, real files."""

from __future__ import annotations

import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mock_ksef import __version__
from mock_ksef.cli import main, resolve_settings
from tests.support.auth import login_live
from tests.support.process import ServerProcess, clean_env, console_script, get_json

KEYS_PATH = "/v2/security/public-key-certificates"
NIP = "5265877635"


def _serve(*args: str) -> ServerProcess:
    return ServerProcess([console_script(), "serve", "--port", "0", *args])


def _public_key_ids(url: str) -> list[str]:
    status, body = get_json(url + KEYS_PATH)
    assert status == 200
    return sorted(item["publicKeyId"] for item in body)


class TestServe:
    """``mock-ksef serve`` starts, answers, stops on a signal and keeps its state."""

    def test_serves_until_sigterm_and_keeps_state(self, tmp_path: Path) -> None:
        """Banner names the real port; health is 200; SIGTERM exits 0; restart keeps keys."""
        state = tmp_path / "state"
        with _serve("--state-dir", str(state)) as first:
            port = first.wait_for_banner()
            assert port > 0
            status, health = get_json(first.url + "/_mock/health")
            assert (status, health["status"], health["version"]) == (200, "ok", __version__)
            key_ids = _public_key_ids(first.url)
            assert first.stop(signal.SIGTERM) == 0, first.output()
        banner = "".join(first.stdout)
        assert f"store        sqlite, {(state / 'state.sqlite3').resolve()}" in banner
        assert f"state        {state.resolve()}" in banner
        assert "mock-ksef stopped" in banner
        assert "Traceback" not in first.stderr

        database = state / "state.sqlite3"
        assert database.is_file()
        with sqlite3.connect(database) as conn:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        assert {"docs", "blobs", "sequences"} <= tables

        with _serve("--state-dir", str(state)) as second:
            second.wait_for_banner()
            assert _public_key_ids(second.url) == key_ids
            assert second.stop() == 0, second.output()

    def test_sessions_survive_a_restart(self, tmp_path: Path) -> None:
        """A session opened by the SDK is still there, for the same token, after a restart."""
        from ksef_client import KsefClient, KsefClientOptions
        from ksef_client.models import FormCode
        from ksef_client.services.workflows import OnlineSessionWorkflow

        state = tmp_path / "state"
        with _serve("--state-dir", str(state)) as first:
            first.wait_for_banner()
            token = login_live(first.url, NIP)
            with KsefClient(KsefClientOptions(base_url=first.url)) as sdk:
                pem = sdk.security.get_public_key_certificate_pem("SymmetricKeyEncryption")
                ref = (
                    OnlineSessionWorkflow(sdk.sessions)
                    .open_session(
                        form_code=FormCode(system_code="FA (3)", schema_version="1-0E", value="FA"),
                        public_certificate=pem,
                        access_token=token,
                    )
                    .reference_number
                )
            assert first.stop() == 0, first.output()

        with _serve("--state-dir", str(state)) as second:
            second.wait_for_banner()
            status, body = get_json(
                f"{second.url}/v2/sessions/{ref}", headers={"Authorization": f"Bearer {token}"}
            )
            assert status == 200, body
            assert body["status"]["code"] == 100
            assert second.stop() == 0, second.output()

    def test_sigint_also_stops_cleanly(self) -> None:
        """Ctrl-C (SIGINT) ends the server with exit code 0 and no traceback."""
        with _serve("--store", "memory") as server:
            server.wait_for_banner()
            assert "store        memory" in "".join(server.stdout)
            assert server.stop(signal.SIGINT) == 0, server.output()
        assert "Traceback" not in server.stderr

    def test_busy_port_is_a_clean_error(self) -> None:
        """A port already in use gives werkzeug's one-line explanation and exit code 1."""
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            result = subprocess.run(
                [console_script(), "serve", "--port", str(port), "--store", "memory"],
                capture_output=True,
                text=True,
                timeout=60,
                env=clean_env(),
                check=False,
            )
        assert result.returncode == 1
        assert f"Port {port} is in use" in result.stderr
        assert "Traceback" not in result.stderr

    def test_environment_configures_serve(self, tmp_path: Path) -> None:
        """MOCK_KSEF_* variables configure the server like flags do."""
        env = clean_env({"MOCK_KSEF_PORT": "0", "MOCK_KSEF_STATE_DIR": str(tmp_path)})
        with ServerProcess([console_script(), "serve"], env) as server:
            server.wait_for_banner()
            assert get_json(server.url + "/_mock/health")[0] == 200
            assert server.stop() == 0, server.output()
        assert (tmp_path / "state.sqlite3").is_file()


class TestVersion:
    """``--version`` in both spellings of the command."""

    def test_console_script(self) -> None:
        """``mock-ksef --version`` prints the package version."""
        result = subprocess.run(
            [console_script(), "--version"], capture_output=True, text=True, timeout=60, check=True
        )
        assert result.stdout.strip() == f"mock-ksef, version {__version__}"

    def test_python_dash_m(self) -> None:
        """``python -m mock_ksef --version`` works too."""
        result = subprocess.run(
            [sys.executable, "-m", "mock_ksef", "--version"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        assert __version__ in result.stdout


class TestSettingsResolution:
    """How flags, variables and the state folder combine."""

    def test_state_dir_implies_sqlite(self) -> None:
        """A state folder alone selects the SQLite store."""
        assert resolve_settings({"state_dir": "/x"}, {}).store == "sqlite"
        assert resolve_settings({}, {"MOCK_KSEF_STATE_DIR": "/x"}).store == "sqlite"

    def test_explicit_store_wins(self) -> None:
        """--store or MOCK_KSEF_STORE overrides the implication."""
        assert resolve_settings({"state_dir": "/x", "store": "memory"}, {}).store == "memory"
        env = {"MOCK_KSEF_STATE_DIR": "/x", "MOCK_KSEF_STORE": "memory"}
        assert resolve_settings({}, env).store == "memory"

    def test_serve_keeps_state_by_default(self) -> None:
        """With no state folder and no store chosen, serve uses SQLite in ./.mock-ksef."""
        settings = resolve_settings({}, {})
        assert (settings.state_dir, settings.store) == (".mock-ksef", "sqlite")
        assert resolve_settings({"store": "memory"}, {}).state_dir == ""

    def test_flags_beat_environment(self) -> None:
        """A flag wins over the variable of the same setting."""
        assert resolve_settings({"port": 1}, {"MOCK_KSEF_PORT": "2"}).port == 1

    def test_config_show(self) -> None:
        """``config show`` prints the effective settings as JSON."""
        result = CliRunner().invoke(main, ["config", "show", "--port", "9"], env={})
        assert result.exit_code == 0, result.output
        assert '"port": 9' in result.output

    @pytest.mark.parametrize("bad", [["--port", "x"], ["--log-format", "xml"]])
    def test_bad_flags_are_usage_errors(self, bad: list[str]) -> None:
        """Unreadable flags exit 2 with a usage message."""
        assert CliRunner().invoke(main, ["serve", *bad]).exit_code == 2

    def test_bad_variable_is_a_usage_error(self) -> None:
        """An unreadable MOCK_KSEF_* value is reported, not a traceback."""
        result = CliRunner().invoke(main, ["config", "show"], env={"MOCK_KSEF_PORT": "x"})
        assert result.exit_code == 2
        assert "invalid literal" in result.output

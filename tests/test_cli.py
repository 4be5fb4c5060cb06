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
from mock_ksef.cli import main
from mock_ksef.cli_config import resolve_settings
from tests.support.auth import login_live
from tests.support.nips import NIP
from tests.support.process import ServerProcess, clean_env, console_script, get_json

KEYS_PATH = "/v2/security/public-key-certificates"


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

    def test_config_show_names_a_bad_variable(self) -> None:
        """An unreadable MOCK_KSEF_* value is reported by its name, exit 2, no traceback."""
        result = CliRunner().invoke(main, ["config", "show"], env={"MOCK_KSEF_PORT": "x"})
        assert (result.exit_code, result.output) == (
            2,
            "Error: MOCK_KSEF_PORT: 'x' is not a whole number\n",
        )


CLOCK_HINT = "use system, frozen, frozen:2026-01-05T09:00:00+00:00, offset or offset:SECONDS"
#: (flags, extra environment, exact stderr): one style for flags and variables, exit 2.
BAD_SETTINGS = {
    "port-too-large": (
        ["--port", "99999"],
        {},
        "Error: --port: 99999 is not a port (0-65535; 0 picks a free one)\n",
    ),
    "port-not-a-number": (["--port", "x"], {}, "Error: --port: 'x' is not a whole number\n"),
    "seed-variable": (
        [],
        {"MOCK_KSEF_SEED": "abc"},
        "Error: MOCK_KSEF_SEED: 'abc' is not a whole number\n",
    ),
    "clock-month-13": (
        ["--clock", "frozen:2026-13-01"],
        {},
        "Error: --clock: 'frozen:2026-13-01' is not a clock (month must be in 1..12); "
        f"{CLOCK_HINT}\n",
    ),
    "clock-variable": (
        [],
        {"MOCK_KSEF_CLOCK": "paused"},
        "Error: MOCK_KSEF_CLOCK: 'paused' is not a clock (unknown clock 'paused': use system, "
        f"frozen[:ISO] or offset[:SECONDS]); {CLOCK_HINT}\n",
    ),
    "log-format": (
        ["--log-format", "xml"],
        {},
        "Error: --log-format: 'xml' is not one of text, json\n",
    ),
    "unresolvable-host": (
        ["--host", "no-such-host.invalid"],
        {},
        "Error: --host: cannot resolve 'no-such-host.invalid' ([Errno -2] Name or service not "
        "known); use an address or name of this machine, e.g. 127.0.0.1 or 0.0.0.0\n",
    ),
    "foreign-host": (
        ["--host", "192.0.2.1"],  # TEST-NET-1: never an address of this machine
        {},
        "Error: --host: cannot listen on 192.0.2.1:0 (Cannot assign requested address); the "
        "host must be an address of this machine, e.g. 127.0.0.1 or 0.0.0.0\n",
    ),
    "missing-folder": (
        [],
        {"MOCK_KSEF_SCHEMA_DIR": "/no/such/folder"},
        "Error: MOCK_KSEF_SCHEMA_DIR: /no/such/folder is not a folder\n",
    ),
}


def _run_serve(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [console_script(), "serve", "--port", "0", "--store", "memory", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(env),
        check=False,
    )


class TestStartErrors:
    """Every unusable setting: the flag or variable named, what is wrong, exit 2."""

    @pytest.mark.parametrize("server", ["dev", "gunicorn"])
    @pytest.mark.parametrize("case", sorted(BAD_SETTINGS))
    def test_bad_setting(self, case: str, server: str) -> None:
        """The same message under the dev server and gunicorn, before anything starts."""
        flags, env, expected = BAD_SETTINGS[case]
        result = _run_serve(["--server", server, *flags], env)
        assert (result.returncode, result.stdout, result.stderr) == (2, "", expected)

    @pytest.mark.parametrize("server", ["dev", "gunicorn"])
    def test_busy_port(self, server: str) -> None:
        """A port in use is named as such (and only then), exit 2, for every server."""
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            result = _run_serve(["--server", server, "--port", str(port)], {})
        assert (result.returncode, result.stdout, result.stderr) == (
            2,
            "",
            f"Error: --port: port {port} on 127.0.0.1 is in use by another program; "
            "choose another port (0 picks a free one)\n",
        )

    def test_variable_named_when_it_gave_the_port(self) -> None:
        """A taken port from MOCK_KSEF_PORT names the variable, not the flag."""
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            result = subprocess.run(
                [console_script(), "serve", "--store", "memory"],
                capture_output=True,
                text=True,
                timeout=60,
                env=clean_env({"MOCK_KSEF_PORT": str(port)}),
                check=False,
            )
        assert result.returncode == 2
        assert result.stderr.startswith(
            f"Error: MOCK_KSEF_PORT: port {port} on 127.0.0.1 is in use"
        )

    def test_help_shows_the_real_defaults(self) -> None:
        """--help names the SQLite default, the state folder and the frozen clock's start."""
        text = " ".join(
            CliRunner().invoke(main, ["serve", "--help"], terminal_width=200).output.split()
        )
        assert (
            "--store STORE memory | sqlite | sqlite:PATH | "
            "postgresql://USER:PASSWORD@HOST:PORT/DB "
            "[sqlite: state.sqlite3 in the state folder]." in text
        )
        assert "file and fetched schemas [.mock-ksef]." in text
        assert "[system; frozen alone: 2026-01-01T12:00:00+00:00]." in text
        assert "--auth-schema-dir DIR" in text

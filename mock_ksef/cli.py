"""The ``mock-ksef`` command: ``serve`` and ``config show``."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

import click
from werkzeug.serving import BaseWSGIServer, make_server

from mock_ksef import __version__
from mock_ksef.app import create_app
from mock_ksef.cli_scenarios import scenarios
from mock_ksef.http.context import services
from mock_ksef.scenario.loader import ScenarioError
from mock_ksef.settings import ENV_PREFIX, Settings
from mock_ksef.store import SqliteStore, Store

log = logging.getLogger("mock_ksef")


@click.group()
@click.version_option(__version__, prog_name="mock-ksef")
def main() -> None:
    """mock-ksef: a deterministic test double of the KSeF 2.0 API."""


def _settings_options(command: Callable[..., None]) -> Callable[..., None]:
    """The flags shared by ``serve`` and ``config show``; each maps to a setting."""
    options = [
        click.option("--host", help="Interface to listen on [127.0.0.1]."),
        click.option("--port", type=int, help="Port to listen on; 0 picks a free one [8080]."),
        click.option("--public-url", help="Base of absolute links handed to clients."),
        click.option("--store", help="memory | sqlite | sqlite:PATH [memory; sqlite with state]."),
        click.option("--state-dir", help="Folder for keys, the JWT secret and the SQLite file."),
        click.option("--keys-dir", help="Folder of user-supplied key PEM files."),
        click.option("--schema-dir", help="Folder of official invoice XSDs."),
        click.option("--scenarios-dir", help="Folder of scenario YAML files [bundled library]."),
        click.option("--seed", type=int, help="Seed of the random generator and Faker [0]."),
        click.option("--clock", help="system | frozen[:ISO] | offset[:SECONDS] [system]."),
        click.option("--log-format", type=click.Choice(["text", "json"]), help="Log lines."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


#: Where ``mock-ksef serve`` keeps keys and the SQLite file when no state folder is given.
DEFAULT_STATE_DIR = ".mock-ksef"


def resolve_settings(flags: dict[str, object], environ: dict[str, str] | None = None) -> Settings:
    """Defaults < ``MOCK_KSEF_*`` < flags; a state folder implies the SQLite store.

    The implication applies only when neither ``--store`` nor ``MOCK_KSEF_STORE`` chose
    a store, so ``--state-dir X --store memory`` keeps keys on disk but state in memory.
    """
    env = dict(os.environ) if environ is None else environ
    try:
        settings = Settings.from_env(env, **flags)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    store_chosen = flags.get("store") is not None or f"{ENV_PREFIX}STORE" in env
    if not settings.state_dir and not store_chosen:
        # ``serve`` keeps its state by default, so a restart loses nothing.
        settings = settings.with_overrides(state_dir=DEFAULT_STATE_DIR)
    if settings.state_dir and not store_chosen:
        settings = settings.with_overrides(store="sqlite")
    return settings


@main.command()
@_settings_options
def serve(**flags: object) -> None:
    """Serve the mock until interrupted (SIGINT or SIGTERM), then exit 0."""
    settings = resolve_settings(flags)
    _configure_logging(settings.log_format)
    try:
        app = create_app(settings)
    except ScenarioError as exc:
        raise click.ClickException(f"cannot start: the scenario files have errors:\n{exc}") from exc
    except (ValueError, OSError) as exc:
        raise click.ClickException(f"cannot start: {exc}") from exc
    store = services(app).store
    try:
        server = make_server(settings.host, settings.port, app, threaded=True)
    except OSError as exc:
        store.close()
        raise click.ClickException(
            f"cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}"
        ) from exc
    with _stop_on_signals(server):
        # The banner is the "ready" signal: print it only once a signal stops us cleanly.
        click.echo(banner(settings, server.port, store))
        sys.stdout.flush()
        server.serve_forever()
    server.server_close()
    store.close()
    click.echo("mock-ksef stopped")


main.add_command(scenarios)


@main.group()
def config() -> None:
    """Inspect the configuration."""


@config.command("show")
@_settings_options
def config_show(**flags: object) -> None:
    """Print the effective settings (defaults < MOCK_KSEF_* < flags) as JSON."""
    settings = resolve_settings(flags)
    click.echo(json.dumps(dataclasses.asdict(settings), indent=2, ensure_ascii=False))


def banner(settings: Settings, port: int, store: Store) -> str:
    """The start-up text: where the mock listens, its store and where state lives."""
    base = f"http://{settings.host}:{port}"
    if isinstance(store, SqliteStore):
        store_text = f"sqlite, {store.path.resolve()}"
    else:
        store_text = "memory (lost when the process ends)"
    state = (
        f"{settings.state_path.resolve()} (keys, JWT secret)"
        if settings.state_path
        else "none: keys made at start-up, nothing persisted"
    )
    lines = [
        f"mock-ksef {__version__} listening on {base}",
        f"  API          {base}/v2  (also /api/v2)",
        f"  control API  {base}/_mock  (health, reset, clock)",
        f"  store        {store_text}",
        f"  state        {state}",
        f"  clock        {settings.clock}, seed {settings.seed}",
    ]
    if settings.host in ("0.0.0.0", "::"):
        lines.append("  reachable on every interface of this host")
    return "\n".join(lines)


@contextmanager
def _stop_on_signals(server: BaseWSGIServer) -> Iterator[None]:
    """Make SIGTERM and SIGINT end ``serve_forever`` cleanly instead of killing the process.

    ``shutdown()`` waits for the serving loop, so it runs on a helper thread: the
    handler itself runs on the main thread, inside that loop.
    """

    def stop(signum: int, frame: FrameType | None) -> None:
        log.info("received %s, stopping", signal.Signals(signum).name)
        threading.Thread(target=server.shutdown, name="mock-ksef-stop", daemon=True).start()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class _JsonFormatter(logging.Formatter):
    """One JSON object per log line."""

    def format(self, record: logging.LogRecord) -> str:
        """Render ``record`` as JSON with time, level, logger and message."""
        entry = {
            "time": self.formatTime(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage().strip(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def _configure_logging(log_format: str) -> None:
    """Log to stderr at INFO, as text or JSON lines."""
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)

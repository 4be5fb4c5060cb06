"""The ``mock-ksef`` command: ``serve``, ``config show``, ``keys``, ``schemas``, ``health``."""

from __future__ import annotations

import dataclasses
import errno
import importlib
import json
import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, ClassVar

import click

from mock_ksef import __version__
from mock_ksef.cli_config import DEFAULT_STATE_DIR, ConfigError, resolve_settings, source_of
from mock_ksef.cli_health import health, remove_serving_file, write_serving_file
from mock_ksef.cli_schemas import schema_summary, schemas
from mock_ksef.clock import parse_clock
from mock_ksef.log_setup import configure_logging
from mock_ksef.scenario.bundle_digest import DIGEST_FILE, bundled_scenarios_dir, vouched_count
from mock_ksef.serving import DEFAULT_SERVER, SERVERS, check_workers, run_granian, run_gunicorn
from mock_ksef.settings import Settings
from mock_ksef.store import SqliteStore, Store, is_shared, open_store

if TYPE_CHECKING:
    from flask import Flask
    from werkzeug.serving import BaseWSGIServer

# ``mock-ksef serve`` with gunicorn or granian never imports the app in this process (its
# workers do, in the background: ``docs/serving.md``, "Cold start"); what only other
# commands need is imported by them.
log = logging.getLogger("mock_ksef")


class _LazyGroup(click.Group):
    """A group whose heavier subcommands are imported when named (click's documented pattern)."""

    lazy: ClassVar[dict[str, str]] = {
        "scenarios": "mock_ksef.cli_scenarios:scenarios",
        "state": "mock_ksef.cli_state:state",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy:
            module, name = self.lazy[cmd_name].split(":")
            command = getattr(importlib.import_module(module), name)
            assert isinstance(command, click.Command)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=_LazyGroup)
@click.version_option(__version__, prog_name="mock-ksef")
def main() -> None:
    """mock-ksef: a deterministic test double of the KSeF 2.0 API."""


def _settings_options(command: Callable[..., None]) -> Callable[..., None]:
    """The flags shared by ``serve`` and ``config show``; each maps to a setting.

    Values are taken as text and checked by the settings validator
    (``mock_ksef.settings.check_value``), the same one that reads ``MOCK_KSEF_*``.
    """
    frozen = parse_clock("frozen").now().isoformat()  # where a bare ``frozen`` starts
    options = [
        click.option("--host", metavar="HOST", help="Interface to listen on [127.0.0.1]."),
        click.option(
            "--port", metavar="PORT", help="Port to listen on, 0-65535; 0 picks a free one [8080]."
        ),
        click.option(
            "--public-url", metavar="URL", help="Base of absolute links handed to clients."
        ),
        click.option(
            "--store",
            metavar="STORE",
            help=(
                "memory | sqlite | sqlite:PATH | postgresql://USER:PASSWORD@HOST:PORT/DB"
                " [sqlite: state.sqlite3 in the state folder]."
            ),
        ),
        click.option(
            "--state-dir",
            help=f"Folder for keys, the JWT secret, the SQLite file and fetched schemas "
            f"[{DEFAULT_STATE_DIR}].",
        ),
        click.option("--keys-dir", metavar="DIR", help="Folder of user-supplied key PEM files."),
        click.option(
            "--schema-dir",
            metavar="DIR",
            help="Folder of official invoice XSDs [STATE/schemas if fetched, "
            "else the FA(3) XSDs of ksef-client].",
        ),
        click.option(
            "--auth-schema-dir",
            metavar="DIR",
            help="Folder of the official auth XSDs [STATE/schemas if fetched, "
            "else none: structure checks only].",
        ),
        click.option(
            "--scenarios-dir",
            metavar="DIR",
            help="Folder of scenario YAML files [bundled library].",
        ),
        click.option("--seed", metavar="INT", help="Seed of the random generator and Faker [0]."),
        click.option(
            "--clock",
            metavar="CLOCK",
            help=f"system | frozen[:ISO] | offset[:SECONDS] [system; frozen alone: {frozen}].",
        ),
        click.option("--log-format", metavar="text|json", help="Log lines [text]."),
        click.option(
            "--log-level",
            metavar="debug|info|warning",
            help="Log level [info; debug adds the control API's own reads].",
        ),
        click.option(
            "--server",
            metavar="|".join(SERVERS),
            help=f"WSGI server: dev (werkzeug) | gunicorn | granian [{DEFAULT_SERVER}].",
        ),
        click.option("--workers", metavar="N", help="Worker processes [0: 1, or CPUs up to 4]."),
        click.option(
            "--threads",
            metavar="N",
            help="Request threads per worker [0: 2 on gunicorn, 8 on granian].",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@main.command()
@_settings_options
def serve(**flags: object) -> None:
    """Serve the mock until interrupted (SIGINT or SIGTERM), then exit 0.

    A bad flag or MOCK_KSEF_* value, a port in use or a host that is not this
    machine's exits 2 with a message naming the flag or variable.
    """
    settings = resolve_settings(flags)
    server = settings.server or DEFAULT_SERVER
    workers = settings.workers or default_workers(settings)
    configure_logging(settings.log_format, settings.log_level)
    if server != "dev":
        try:
            check_workers(settings, workers)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
    check_listen(settings, flags)
    if server == "dev":
        _serve_dev(settings)
        return
    # This process only checks and prepares; each worker builds its own app after the fork.
    facts = {"scenarios": checked_scenarios(settings), "schemas": schema_summary(settings)}
    store = _prepare_state(settings)

    def ready(port: int) -> None:
        click.echo(banner(settings, port, store, facts, f"{server}, {workers} worker(s)"))
        sys.stdout.flush()
        write_serving_file(settings, port)

    def stopped() -> None:
        remove_serving_file(settings)
        click.echo("mock-ksef stopped")

    runner = run_gunicorn if server == "gunicorn" else run_granian
    runner(settings, workers, ready, stopped)


def checked_scenarios(
    settings: Settings, library: Path | None = None, digest_file: Path = DIGEST_FILE
) -> str:
    """Validate the scenario files a server starts with; say how many and where from.

    The bundled library (``library``, default: the installed one) is vouched for by its
    recorded digest (:mod:`mock_ksef.scenario.bundle_digest`) and parsed and validated
    only when it differs from it; a ``--scenarios-dir`` folder always is.

    Raises:
        click.ClickException: the files have errors (all of them are listed).
    """
    library = library or bundled_scenarios_dir()
    folder = settings.scenarios_dir or str(library)
    count = None if settings.scenarios_dir else vouched_count(library, digest_file)
    if count is None:
        from mock_ksef.scenario.loader import ScenarioError, configured_scenarios

        try:
            count = len(configured_scenarios(folder))
        except ScenarioError as exc:
            raise click.ClickException(
                f"cannot start: the scenario files have errors:\n{exc}"
            ) from exc
    return f"{count} loaded from {settings.scenarios_dir or f'bundled library ({library})'}"


def _prepare_state(settings: Settings) -> Store:
    """Create the store's file (and check user-supplied keys) before any worker starts.

    Returns the store, closed: the banner names it.

    Raises:
        click.ClickException: the state folder, the store or a key file is unusable.
    """
    try:
        if settings.keys_dir:
            from mock_ksef.crypto.keys import check_user_keys

            check_user_keys(Path(settings.keys_dir))
        store = open_store(settings.store, settings.state_path)
    except (ValueError, OSError) as exc:
        raise click.ClickException(f"cannot start: {exc}") from exc
    store.close()
    return store


def default_workers(settings: Settings) -> int:
    """One worker with a memory store (it is per process), else CPUs ≤ 4.

    A movable clock is shared through the store like the seed (``docs/replicas.md``).
    """
    if not is_shared(settings.store):
        return 1
    return max(1, min(4, os.cpu_count() or 1))


def check_listen(settings: Settings, flags: Mapping[str, object]) -> None:
    """Bind the host and port once, so that every server fails the same way, at once.

    Raises:
        ConfigError: the port is taken or not allowed, or the host is not this machine's.
    """
    host, port = settings.host, settings.port
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ConfigError(
            f"{source_of('host', flags)}: cannot resolve {host!r} ({exc}); "
            "use an address or name of this machine, e.g. 127.0.0.1 or 0.0.0.0"
        ) from None
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            raise ConfigError(_listen_problem(settings, flags, exc)) from None


def _listen_problem(settings: Settings, flags: Mapping[str, object], exc: OSError) -> str:
    where = f"{settings.host}:{settings.port}"
    if exc.errno == errno.EADDRINUSE:
        return (
            f"{source_of('port', flags)}: port {settings.port} on {settings.host} is in use "
            "by another program; choose another port (0 picks a free one)"
        )
    if exc.errno == errno.EACCES:
        return (
            f"{source_of('port', flags)}: port {settings.port} needs privileges "
            f"({exc.strerror}); use a port above 1023"
        )
    return (
        f"{source_of('host', flags)}: cannot listen on {where} ({exc.strerror or exc}); "
        "the host must be an address of this machine, e.g. 127.0.0.1 or 0.0.0.0"
    )


def _serve_dev(settings: Settings) -> None:
    """werkzeug's threaded server in this process, around an app built here."""
    from werkzeug.serving import make_server

    from mock_ksef import upkeep
    from mock_ksef.app import create_app
    from mock_ksef.http.context import services
    from mock_ksef.http.wire import DevRequestHandler
    from mock_ksef.request_log import install_request_log
    from mock_ksef.scenario.loader import ScenarioError

    try:
        app = create_app(settings)
    except ScenarioError as exc:
        raise click.ClickException(f"cannot start: the scenario files have errors:\n{exc}") from exc
    except (ValueError, OSError) as exc:
        raise click.ClickException(f"cannot start: {exc}") from exc
    store = services(app).store
    facts = banner_facts(app)
    install_request_log(app)
    try:
        server = make_server(
            settings.host, settings.port, app, threaded=True, request_handler=DevRequestHandler
        )
    except OSError as exc:  # taken between check_listen and now
        store.close()
        raise click.ClickException(
            f"cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}"
        ) from exc
    with _stop_on_signals(server):
        # The banner is the "ready" signal: print it only once a signal stops us cleanly.
        click.echo(banner(settings, server.port, store, facts, "dev (werkzeug)"))
        sys.stdout.flush()
        write_serving_file(settings, server.port)
        server.serve_forever()
    server.server_close()
    upkeep.stop(services(app))
    store.close()
    remove_serving_file(settings)
    click.echo("mock-ksef stopped")


main.add_command(schemas)
main.add_command(health)


@main.group()
def keys() -> None:
    """The mock's published keys."""


@keys.command("export")
@click.option("--state-dir", metavar="DIR", help="State folder whose keys serve uses [.mock-ksef].")
@click.option("--keys-dir", help="Folder of user-supplied key PEM files.")
@click.option(
    "--format", "fmt", type=click.Choice(["pem", "der"]), default="pem", show_default=True
)
@click.option("--out", type=click.Path(file_okay=False), help="Write one file per usage here.")
def keys_export(state_dir: str | None, keys_dir: str | None, fmt: str, out: str | None) -> None:
    """Export the public certificates of the published keys and of the KSeF-certificate CA.

    They are the keys ``serve`` uses with the same state folder (made there if missing):
    clients pin the two published ones, and chain mock-issued KSeF certificates to the CA
    (``KsefCertificateAuthority``). Without ``--out`` the PEM certificates are printed;
    DER needs ``--out``.
    """
    from cryptography.hazmat.primitives.serialization import Encoding

    from mock_ksef.crypto.keys import load_or_create

    settings = resolve_settings({"state_dir": state_dir, "keys_dir": keys_dir})
    state = settings.state_path
    ring = load_or_create(
        state / "keys" if state else None, Path(settings.keys_dir) if settings.keys_dir else None
    )
    encoding = Encoding.PEM if fmt == "pem" else Encoding.DER
    if out is None:
        if fmt == "der":
            raise click.UsageError("--format der writes binary files: add --out DIR")
        for pair in (*ring.published, ring.ca):
            click.echo(f"# {pair.usage} publicKeyId={pair.public_key_id}")
            click.echo(pair.certificate.public_bytes(encoding).decode("ascii"), nl=False)
        return
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    for pair in (*ring.published, ring.ca):
        path = folder / f"{pair.usage}.{fmt}"
        path.write_bytes(pair.certificate.public_bytes(encoding))
        click.echo(f"{path}  {pair.usage}  publicKeyId={pair.public_key_id}")


@main.group()
def config() -> None:
    """Inspect the configuration."""


@config.command("show")
@_settings_options
def config_show(**flags: object) -> None:
    """Print the effective settings (defaults < MOCK_KSEF_* < flags) as JSON."""
    settings = resolve_settings(flags)
    click.echo(json.dumps(dataclasses.asdict(settings), indent=2, ensure_ascii=False))


def banner_facts(app: Flask) -> dict[str, str]:
    """What the banner says about an app that is built: its scenarios and where from."""
    from mock_ksef.http.context import services

    svc = services(app)
    source = svc.settings.scenarios_dir or f"bundled library ({bundled_scenarios_dir()})"
    count = len(svc.scenarios.names()) - 1  # without the built-in "natural" scenario
    return {
        "scenarios": f"{count} loaded from {source}",
        "schemas": schema_summary(svc.settings),
    }


def banner(
    settings: Settings,
    port: int,
    store: Store,
    facts: dict[str, str] | None = None,
    server: str = "",
) -> str:
    """The start-up text: where the mock listens, its scenarios, store and where state lives."""
    base = f"http://{settings.host}:{port}"
    if isinstance(store, SqliteStore):
        store_text = f"sqlite, {store.path.resolve()}"
    elif hasattr(store, "describe"):  # PostgreSQL: the URL without its password
        store_text = str(store.describe())
    else:
        store_text = "memory (lost when the process ends)"
    state = (
        f"{settings.state_path.resolve()} (keys, JWT secret)"
        if settings.state_path
        else "none: new keys at every start (bytes differ between runs; see --state-dir)"
    )
    lines = [
        f"mock-ksef {__version__} listening on {base}",
        f"  API          {base}/v2  (also /api/v2)",
        f"  control API  {base}/_mock  (health, reset, clock)",
    ]
    if facts and "scenarios" in facts:
        lines.append(f"  scenarios    {facts['scenarios']}")
    if facts and "schemas" in facts:
        lines.append(f"  schemas      {facts['schemas']}")
    lines += [
        f"  store        {store_text}",
        f"  state        {state}",
        f"  clock        {settings.clock}, seed {settings.seed}",
    ]
    if server:
        lines.append(f"  server       {server}")
    if settings.public_url:
        lines.append(f"  public URL   {settings.public_url}")
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

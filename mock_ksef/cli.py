"""The ``mock-ksef`` command."""

from __future__ import annotations

import logging
import signal
import sys
from types import FrameType

import click
from werkzeug.serving import make_server

from mock_ksef import __version__
from mock_ksef.app import create_app
from mock_ksef.settings import Settings


@click.group()
@click.version_option(__version__, prog_name="mock-ksef")
def main() -> None:
    """mock-ksef: a deterministic test double of the KSeF 2.0 API."""


@main.command()
@click.option("--host", help="Interface to listen on [127.0.0.1].")
@click.option("--port", type=int, help="Port to listen on [8080].")
@click.option("--public-url", help="Base of absolute links handed to clients.")
@click.option("--store", help="memory | sqlite | sqlite:PATH [memory; sqlite with --state-dir].")
@click.option("--state-dir", help="Folder for keys, the JWT secret and the SQLite file.")
@click.option("--keys-dir", help="Folder of user-supplied key PEM files.")
@click.option("--schema-dir", help="Folder of official invoice XSDs.")
@click.option("--seed", type=int, help="Seed of the random generator and Faker [0].")
@click.option("--clock", help="system | frozen[:ISO] | offset[:SECONDS] [system].")
@click.option("--log-format", type=click.Choice(["text", "json"]), help="Log line format.")
def serve(**flags: object) -> None:
    """Serve the mock until interrupted (SIGINT or SIGTERM)."""
    settings = Settings.from_env(None, **flags)
    if settings.state_dir and settings.store == "memory" and "store" not in _given(flags):
        settings = settings.with_overrides(store="sqlite")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    app = create_app(settings)
    server = make_server(settings.host, settings.port, app, threaded=True)

    def _stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    click.echo(
        f"mock-ksef {__version__} listening on http://{settings.host}:{server.port} "
        f"(API under /v2 and /api/v2, control API under /_mock); "
        f"store {settings.store}, state in {settings.state_dir or 'memory'}"
    )
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("mock-ksef stopped")
    finally:
        server.server_close()


def _given(flags: dict[str, object]) -> set[str]:
    return {name for name, value in flags.items() if value is not None}

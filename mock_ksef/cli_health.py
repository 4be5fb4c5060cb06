"""``mock-ksef health``: ask a running ``serve`` whether it is healthy (the image's HEALTHCHECK).

``serve`` writes where it actually listens into ``STATE/serving.json`` once it is ready,
so the check follows ``--port``/``--host`` given on the command line (``docker run IMAGE
--port 9000``), not only the ``MOCK_KSEF_*`` variables a health-check process inherits.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import click

from mock_ksef.cli_config import resolve_settings
from mock_ksef.settings import Settings

SERVING_FILE = "serving.json"
#: What a server listening on every interface is asked through.
_LOOPBACK = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}


def _serving_path(settings: Settings) -> Path | None:
    state = settings.state_path
    return state / SERVING_FILE if state else None


def write_serving_file(settings: Settings, port: int) -> None:
    """Record host, bound port and pid in ``STATE/serving.json`` (nothing without state)."""
    path = _serving_path(settings)
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"host": settings.host, "port": port, "pid": os.getpid()}
    temp = path.with_name(f".{SERVING_FILE}.{os.getpid()}")
    temp.write_text(json.dumps(record) + "\n", encoding="utf-8")
    temp.replace(path)  # atomic: a health check never reads half a file


def remove_serving_file(settings: Settings) -> None:
    """Remove ``STATE/serving.json`` if this process wrote it."""
    path = _serving_path(settings)
    if path is None:
        return
    with contextlib.suppress(OSError, ValueError):
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
            path.unlink()


def health_url(settings: Settings) -> str:
    """``/_mock/health`` of the server recorded in the state folder, else of the settings."""
    host, port = settings.host, settings.port
    path = _serving_path(settings)
    if path is not None and path.is_file():
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            record = json.loads(path.read_text(encoding="utf-8"))
            host, port = str(record["host"]), int(record["port"])
    host = _LOOPBACK.get(host, host)
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{port}/_mock/health"


@click.command()
@click.option("--state-dir", help="State folder of the running serve [.mock-ksef].")
@click.option("--url", help="Ask this health URL instead.")
@click.option("--timeout", default=4.0, show_default=True, help="Seconds to wait for an answer.")
def health(state_dir: str | None, url: str | None, timeout: float) -> None:
    """Exit 0 if the running mock answers /_mock/health with "ok", else 1.

    Without --url it asks the server recorded in STATE/serving.json by serve (which
    follows --port), else MOCK_KSEF_HOST/MOCK_KSEF_PORT.
    """

    import urllib.error
    import urllib.request

    target = url or health_url(resolve_settings({"state_dir": state_dir}))
    try:
        with urllib.request.urlopen(target, timeout=timeout) as response:
            body = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        click.echo(f"unhealthy: {target}: {getattr(exc, 'reason', exc)}", err=True)
        raise SystemExit(1) from None
    if not isinstance(body, dict) or body.get("status") != "ok":
        click.echo(f"unhealthy: {target} answered {body!r}", err=True)
        raise SystemExit(1)
    click.echo(f"ok {target} (pid {body.get('pid')})")

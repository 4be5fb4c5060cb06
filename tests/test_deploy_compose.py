"""``deploy/compose.yaml``: two replicas on one PostgreSQL behind nginx, checked without a
Docker engine. The replicas' command lines go through ``serve``'s own parsing and settings
validation with the image's environment; the balancer's config names every replica."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from mock_ksef.cli import default_workers, serve
from mock_ksef.cli_config import resolve_settings
from mock_ksef.serving import check_workers
from tests.test_docker_command import parse_dockerfile

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
SECRET = "0123456789abcdef" * 4


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    # What `docker compose` interpolates: the one variable the reader must set.
    text = re.sub(r"\$\{MOCK_KSEF_JWT_SECRET:\?[^}]*\}", SECRET, text)
    assert "${" not in text, "an unset variable compose would interpolate"
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


def _replicas(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: svc for name, svc in compose["services"].items() if "build" in svc}


def test_two_replicas_built_from_the_dockerfile_with_the_postgresql_driver(
    compose: dict[str, Any],
) -> None:
    replicas = _replicas(compose)
    assert sorted(replicas) == ["mock-1", "mock-2"]
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    for service in replicas.values():
        build = service["build"]
        assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == ROOT / "Dockerfile"
        assert build["args"] == {"EXTRAS": "postgresql"}
        assert 'ARG EXTRAS=""' in dockerfile
        assert re.search(r"^postgresql = \[", (ROOT / "pyproject.toml").read_text(), re.M)
    assert len({service["hostname"] for service in replicas.values()}) == 2  # lease owners


def test_the_replica_command_lines_are_valid_serve_settings(
    compose: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    image = parse_dockerfile((ROOT / "Dockerfile").read_text(encoding="utf-8"))
    assert image.entrypoint == ["mock-ksef", "serve"]
    db = compose["services"]["db"]
    assert re.fullmatch(r"postgres:1[56](\..*)?", db["image"])
    monkeypatch.chdir(tmp_path)  # /data does not exist here: a relative stand-in
    for name, service in _replicas(compose).items():
        ctx = serve.make_context("serve", list(service["command"]))
        environ = {**image.env, **service["environment"], "MOCK_KSEF_STATE_DIR": "data"}
        settings = resolve_settings(ctx.params, environ)
        check_workers(settings, settings.workers or default_workers(settings))
        url = urlsplit(settings.store)
        assert url.scheme == "postgresql", name
        assert url.hostname in compose["services"], f"{name}: {url.hostname} is no service"
        env = db["environment"]
        assert (url.username, url.password, url.path) == (
            env["POSTGRES_USER"],
            env["POSTGRES_PASSWORD"],
            f"/{env['POSTGRES_DB']}",
        )
        assert settings.jwt_secret == SECRET, name  # one signing secret for all
        assert settings.public_url == "http://127.0.0.1:8080", name
        assert service["volumes"] == ["mock-keys:/data/keys"], name  # one set of keys
        assert service["depends_on"]["db"] == {"condition": "service_healthy"}


def test_the_balancer_names_every_replica_on_the_port_they_listen_on(
    compose: dict[str, Any],
) -> None:
    image = parse_dockerfile((ROOT / "Dockerfile").read_text(encoding="utf-8"))
    balancer = compose["services"]["balancer"]
    mount = "./nginx.conf:/etc/nginx/nginx.conf:ro"
    assert balancer["volumes"] == [mount]
    conf = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    upstream = re.search(r"upstream (\w+) \{(.*?)\}", conf, re.S)
    assert upstream is not None
    servers = re.findall(r"^\s*server ([\w-]+):(\d+)", upstream[2], re.M)
    port = image.env["MOCK_KSEF_PORT"]
    assert sorted(servers) == [(name, port) for name in sorted(_replicas(compose))]
    assert f"proxy_pass http://{upstream[1]};" in conf
    listen = re.search(r"^\s*listen (\d+);", conf, re.M)
    assert listen is not None
    assert balancer["ports"] == [f"8080:{listen[1]}"]

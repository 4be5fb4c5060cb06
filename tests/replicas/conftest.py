"""Two real ``mock-ksef serve`` processes sharing ONE store, behind a round-robin balancer.

The store is a parameter (:data:`STORES`): every replica test runs once per shared
backend. Each replica has its own ``--state-dir`` (nothing else is shared through it),
one ``--keys-dir`` and one JWT secret (``MOCK_KSEF_JWT_SECRET``) for all: configuration,
as on several hosts. The links the replicas hand out name the balancer
(``--public-url``) by a host name the SDK accepts (``tests/e2e/conftest.py``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from ksef_client import KsefClient, KsefClientOptions

from mock_ksef.crypto.keys import load_or_create
from tests.e2e.conftest import HOST, resolvable  # noqa: F401 - the fixture, re-exported
from tests.replicas.balancer import Balancer
from tests.support.pg_server import PgServer
from tests.support.process import ServerProcess, clean_env, console_script

CLOCK = "frozen:2026-11-24T09:00:00+00:00"
JWT_SECRET = "replica-tests-shared-secret"
#: The shared backends the replica tests run on: every test runs once on each.
STORES = ["sqlite", "postgresql"]
#: One fresh PostgreSQL schema per store folder, handed out by the session's server.
_PG_URLS: dict[Path, str] = {}
_PG_SERVER: list[PgServer] = []


def store_url(kind: str, folder: Path) -> str:
    """The ``--store`` value of the shared store of ``kind`` that ``folder`` stands for."""
    if kind == "sqlite":
        return f"sqlite:{folder / 'shared.sqlite3'}"
    if kind == "postgresql":
        if folder not in _PG_URLS:
            _PG_URLS[folder] = _PG_SERVER[0].schema_url("replicas")
        return _PG_URLS[folder]
    raise AssertionError(f"no shared store {kind!r} is known to the replica tests")


@dataclasses.dataclass
class Replicas:
    """The replica processes, the balancer in front of them, and how to start more."""

    balancer: Balancer
    servers: list[ServerProcess]
    start: Callable[..., ServerProcess]

    @property
    def urls(self) -> list[str]:
        """Each replica's own address (bypassing the balancer)."""
        return [server.url for server in self.servers]

    def kill9(self, index: int) -> None:
        """``kill -9`` replica ``index``; the balancer finds it gone on its next turn."""
        self.servers[index].proc.kill()
        self.servers[index].kill()


@pytest.fixture(params=STORES)
def store_kind(request: pytest.FixtureRequest) -> str:
    """The shared backend of this run of a test (PostgreSQL: the tests' server)."""
    if request.param == "postgresql":
        server = request.getfixturevalue("pg_server")
        _PG_SERVER[:] = [server]
    return str(request.param)


@pytest.fixture
def start_replicas(store_kind: str, tmp_path: Path) -> Iterator[Callable[..., Replicas]]:
    """Start replicas on one fresh shared store, behind a balancer of their own.

    ``start(count, env, name)``: ``env[i]`` holds extra variables of replica ``i``;
    another ``name`` means another store (and state folders): a second, separate set.
    """
    keys = tmp_path / "keys"
    load_or_create(keys)  # generated once; every replica reads the same PEM files
    stack = ExitStack()

    def start_one(
        folder: Path, index: int, public_url: str, env: Mapping[str, str] | None
    ) -> ServerProcess:
        folder.mkdir(exist_ok=True)
        argv = [console_script(), "serve", "--port", "0", "--server", "dev"]
        argv += ["--store", store_url(store_kind, folder)]
        argv += ["--state-dir", str(folder / f"replica-{index}")]
        argv += ["--keys-dir", str(keys), "--clock", CLOCK, "--public-url", public_url]
        variables = {"MOCK_KSEF_JWT_SECRET": JWT_SECRET, **(env or {})}
        server = stack.enter_context(ServerProcess(argv, clean_env(variables)))
        server.wait_for_banner()
        return server

    def start(
        count: int = 2, env: list[Mapping[str, str]] | None = None, name: str = "shared"
    ) -> Replicas:
        folder = tmp_path / name
        balancer = Balancer([])
        stack.enter_context(balancer.running())
        public_url = f"http://{HOST}:{balancer.port}"
        servers = []
        for index in range(count):
            server = start_one(folder, index, public_url, env[index] if env else None)
            servers.append(server)
            balancer.backends.append(f"127.0.0.1:{server.port}")
        return Replicas(balancer, servers, lambda i, e=None: start_one(folder, i, public_url, e))

    with stack:
        yield start


@pytest.fixture
def replicas(start_replicas: Callable[..., Replicas]) -> Replicas:
    """Two replicas on one shared store, behind a round-robin balancer."""
    return start_replicas(2)


def sdk_on(balancer: Balancer) -> KsefClient:
    """The unmodified ``ksef-client`` on ``balancer``, accepting the replicas' links."""
    options = KsefClientOptions(
        base_url=balancer.url,
        strict_presigned_url_validation=False,
        allowed_presigned_hosts=[HOST],
    )
    return KsefClient(options)


@pytest.fixture
def sdk(replicas: Replicas, resolvable: None) -> Iterator[Any]:  # noqa: F811
    """The SDK on the balancer: every request goes to the other replica."""
    with sdk_on(replicas.balancer) as client:
        yield client

"""An SDK client that accepts the mock's presigned links (see ``test_sdk_batch.py``)."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from ksef_client import KsefClient, KsefClientOptions

from mock_ksef.http.context import services

#: A host *name* for the live server (the SDK refuses loopback and ``localhost`` links).
HOST = "mockksef.test"


@pytest.fixture
def resolvable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Resolve :data:`HOST` to 127.0.0.1 in this process (like an /etc/hosts line)."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        return real("127.0.0.1" if host == HOST else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def presigned_sdk(app: Any, live: Any, resolvable: None) -> Iterator[KsefClient]:
    """The SDK on the live server, whose links name :data:`HOST`."""
    svc = services(app)
    svc.settings = dataclasses.replace(svc.settings, public_url=f"http://{HOST}:{live.port}")
    options = KsefClientOptions(
        base_url=live.url,
        strict_presigned_url_validation=False,
        allowed_presigned_hosts=[HOST],
    )
    with KsefClient(options) as client:
        yield client

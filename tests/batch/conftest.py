"""Fixtures of the batch tests: an access token and a batch client for the test app."""

from __future__ import annotations

import pytest

from tests.batch.support import BatchClient
from tests.support.nips import NIP
from tests.support.principal import access_token


@pytest.fixture
def batch(app, client, keyring) -> BatchClient:
    """Drives ``/sessions/batch`` as a client with ``InvoiceWrite`` in context ``NIP``."""
    return BatchClient(
        client, access_token(app, NIP), keyring.symmetric_key.certificate.public_key()
    )

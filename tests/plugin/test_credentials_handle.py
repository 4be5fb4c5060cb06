"""The pytest plugin's ``ksef_mock.load_scenario`` with a ``credentials:`` block: "this
token may only read", said in the test itself."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from ksef_client import KsefClient, KsefClientOptions
from ksef_client.exceptions import KsefHttpError

from mock_ksef.testing import KsefMock
from tests.support.sdk import open_fa3, token_login

pytestmark = pytest.mark.usefixtures("ksef_mock_validated")
NIP = "5265877635"
TOKEN = f"20260105-EC-5265877635-0000000001-CC|nip-{NIP}|{'ab' * 32}"


@pytest.fixture
def sdk(ksef_mock: KsefMock) -> Iterator[KsefClient]:
    with KsefClient(KsefClientOptions(base_url=ksef_mock.url)) as client:
        yield client


def test_a_seeded_token_may_only_read_until_the_reset(ksef_mock, sdk):
    ksef_mock.load_scenario(
        f"name: read-only-token\nselect:\n  contexts: ['{NIP}']\ncredentials:\n  mode: strict\n"
        f"  tokens:\n    - token: '{TOKEN}'\n      permissions: [InvoiceRead]\n"
    )
    reader = token_login(sdk, TOKEN, NIP)
    with pytest.raises(KsefHttpError) as refused:
        open_fa3(sdk, reader.access_token)
    body: Any = refused.value.response_body
    assert body["security"]["presentPermissions"] == ["InvoiceRead"]

    ksef_mock.reset()  # the scenario and its token are gone; permissive again
    with pytest.raises(RuntimeError, match=r"^Authentication failed: 450 .*Nieprawidłowy token$"):
        token_login(sdk, "not-a-ksef-token", NIP)
    owner = token_login(sdk, TOKEN, NIP)  # official shape, not issued: an owner token now
    workflow, handle = open_fa3(sdk, owner.access_token)
    workflow.close_session(handle.session_reference_number, owner.access_token)

"""The client's side of the KSeF crypto, for tests that speak the protocol by hand."""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from mock_ksef.crypto.envelope import aes_cbc_encrypt, rsa_oaep_encrypt


def b64(data: bytes) -> str:
    """Standard Base64 text."""
    return base64.b64encode(data).decode()


def sha(data: bytes) -> str:
    """Base64 SHA-256."""
    return b64(hashlib.sha256(data).digest())


@dataclass(frozen=True)
class SessionKey:
    """A client's AES key and IV for one session."""

    key: bytes
    iv: bytes

    @classmethod
    def fresh(cls) -> SessionKey:
        """Random key and IV, as a client makes them."""
        return cls(os.urandom(32), os.urandom(16))

    def encryption(self, public_key: rsa.RSAPublicKey) -> dict[str, str]:
        """The ``encryption`` object of an open-session request."""
        return {
            "encryptedSymmetricKey": b64(rsa_oaep_encrypt(public_key, self.key)),
            "initializationVector": b64(self.iv),
        }

    def send_request(self, xml: bytes) -> dict[str, Any]:
        """A ``SendInvoiceRequest`` for ``xml``."""
        encrypted = aes_cbc_encrypt(self.key, self.iv, xml)
        return {
            "invoiceHash": sha(xml),
            "invoiceSize": len(xml),
            "encryptedInvoiceHash": sha(encrypted),
            "encryptedInvoiceSize": len(encrypted),
            "encryptedInvoiceContent": b64(encrypted),
        }


FA3 = {"systemCode": "FA (3)", "schemaVersion": "1-0E", "value": "FA"}
FA2 = {"systemCode": "FA (2)", "schemaVersion": "1-0E", "value": "FA"}

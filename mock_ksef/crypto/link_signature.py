"""Signatures of QR code II links (``kody-qr.md``): RSASSA-PSS or ECDSA P-256 over SHA-256.

The signed text is the link without ``https://`` and without its final ``/{signature}``
segment; the signature travels Base64URL-encoded. RSA: PSS, MGF1-SHA-256, 32-byte salt,
key of at least 2048 bits. EC: P-256, IEEE P1363 ``r‖s`` (recommended) or DER.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

_P1363_P256 = 64


def link_signature_valid(key: PublicKeyTypes, text: str, signature: bytes) -> bool:
    """Whether ``signature`` signs ``text`` (UTF-8) with ``key`` as QR code II requires."""
    data = text.encode("utf-8")
    try:
        if isinstance(key, rsa.RSAPublicKey):
            if key.key_size < 2048:
                return False
            key.verify(
                signature,
                data,
                padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
                hashes.SHA256(),
            )
            return True
        if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
            der = signature
            if len(signature) == _P1363_P256:
                r = int.from_bytes(signature[:32], "big")
                s = int.from_bytes(signature[32:], "big")
                der = encode_dss_signature(r, s)
            key.verify(der, data, ec.ECDSA(hashes.SHA256()))
            return True
    except (InvalidSignature, ValueError):
        return False
    return False

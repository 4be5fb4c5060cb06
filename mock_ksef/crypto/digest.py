"""SHA-256 and Base64 helpers."""

from __future__ import annotations

import base64
import binascii
import hashlib


def sha256_b64(data: bytes) -> str:
    """Base64 of the SHA-256 of ``data`` (44 characters)."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def b64decode_strict(text: str) -> bytes:
    """Decode standard Base64, rejecting any character outside the alphabet.

    Raises:
        ValueError: the text is not valid Base64.
    """
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"invalid Base64: {exc}") from exc


def b64(data: bytes) -> str:
    """Standard Base64 text of ``data``."""
    return base64.b64encode(data).decode("ascii")

"""Unwrapping of RSA-OAEP envelopes and AES-256-CBC decryption (cryptography's primitives)."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import MGF1, OAEP
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

AES_KEY_BYTES = 32
IV_BYTES = 16


class DecryptionError(Exception):
    """The envelope or the ciphertext could not be decrypted."""


def _oaep() -> OAEP:
    return OAEP(mgf=MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


def rsa_oaep_decrypt(private_key: rsa.RSAPrivateKey, ciphertext: bytes) -> bytes:
    """RSAES-OAEP with SHA-256 and MGF1-SHA-256, empty label."""
    try:
        return private_key.decrypt(ciphertext, _oaep())
    except ValueError as exc:
        raise DecryptionError("RSA-OAEP decryption failed") from exc


def rsa_oaep_encrypt(public_key: rsa.RSAPublicKey, plaintext: bytes) -> bytes:
    """The client's side of :func:`rsa_oaep_decrypt` (used by tests and benchmarks)."""
    return public_key.encrypt(plaintext, _oaep())


def unwrap_session_key(private_key: rsa.RSAPrivateKey, wrapped: bytes, iv: bytes) -> bytes:
    """Recover the 32-byte AES key of a session; check the IV length.

    Raises:
        DecryptionError: the key cannot be unwrapped or has the wrong length.
    """
    key = rsa_oaep_decrypt(private_key, wrapped)
    if len(key) != AES_KEY_BYTES:
        raise DecryptionError(f"the symmetric key has {len(key)} bytes, expected 32")
    if len(iv) != IV_BYTES:
        raise DecryptionError(f"the initialization vector has {len(iv)} bytes, expected 16")
    return key


class CbcDecryptor:
    """Incremental AES-256-CBC decryption with PKCS#7 unpadding at the end."""

    def __init__(self, key: bytes, iv: bytes) -> None:
        self._cipher = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        self._unpadder = padding.PKCS7(128).unpadder()

    def update(self, chunk: bytes) -> bytes:
        """Decrypt a chunk; returns the plaintext available so far."""
        return self._unpadder.update(self._cipher.update(chunk))

    def finalize(self) -> bytes:
        """Finish; raises :class:`DecryptionError` on bad length or padding."""
        try:
            return self._unpadder.update(self._cipher.finalize()) + self._unpadder.finalize()
        except ValueError as exc:
            raise DecryptionError("AES-256-CBC decryption or PKCS#7 unpadding failed") from exc


def aes_cbc_decrypt(key: bytes, iv: bytes, ciphertext: bytes) -> bytes:
    """Decrypt a whole AES-256-CBC + PKCS#7 message."""
    decryptor = CbcDecryptor(key, iv)
    try:
        head = decryptor.update(ciphertext)
    except ValueError as exc:
        raise DecryptionError("AES-256-CBC decryption failed") from exc
    return head + decryptor.finalize()


def aes_cbc_encrypt(key: bytes, iv: bytes, plaintext: bytes) -> bytes:
    """Encrypt with AES-256-CBC + PKCS#7 (the client's side; tests and benchmarks)."""
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


def cbc_decrypt_blocks(key: bytes, iv: bytes, ciphertext: bytes) -> bytes:
    """AES-256-CBC decryption of whole blocks, no unpadding (random access into a part)."""
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return decryptor.update(ciphertext) + decryptor.finalize()

"""The mock's own key pairs and self-signed certificates.

Four RSA-2048 pairs: ``KsefTokenEncryption`` and ``SymmetricKeyEncryption`` (published by
``GET /security/public-key-certificates``), one that signs UPO documents, and the CA that
issues KSeF certificates (:mod:`mock_ksef.crypto.ca`). They are made
on first start and kept as PEM files (private key, then certificate) in ``state_dir/keys``,
or read from a user's ``keys_dir``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from mock_ksef.crypto.ca import build_ca_certificate
from mock_ksef.crypto.digest import b64

KSEF_TOKEN_USAGE = "KsefTokenEncryption"
SYMMETRIC_KEY_USAGE = "SymmetricKeyEncryption"
UPO_SIGNING = "UpoSigning"
KSEF_CA = "KsefCertificateAuthority"

_FILES = {
    KSEF_TOKEN_USAGE: "ksef-token.pem",
    SYMMETRIC_KEY_USAGE: "symmetric-key.pem",
    UPO_SIGNING: "upo.pem",
    KSEF_CA: "ksef-ca.pem",
}
#: Wide validity so that clients whose clock differs from the mock's still accept them.
VALID_FROM = datetime(2024, 1, 1, tzinfo=UTC)
VALID_TO = datetime(2099, 12, 31, tzinfo=UTC)


@dataclass(frozen=True)
class KeyPair:
    """A private key with its certificate and the KSeF identifiers of both."""

    usage: str
    private_key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    @property
    def certificate_der(self) -> bytes:
        """The certificate, DER-encoded."""
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def certificate_id(self) -> str:
        """Base64 SHA-256 of the certificate DER."""
        return b64(hashlib.sha256(self.certificate_der).digest())

    @property
    def public_key_id(self) -> str:
        """Base64 SHA-256 of the SubjectPublicKeyInfo DER."""
        spki = self.certificate.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return b64(hashlib.sha256(spki).digest())

    def to_pem(self) -> bytes:
        """Private key (PKCS#8) followed by the certificate."""
        key = self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return key + self.certificate.public_bytes(serialization.Encoding.PEM)


def generate_ca_pair() -> KeyPair:
    """A fresh RSA-2048 key and its self-signed CA certificate (KSeF certificates)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    serial = int.from_bytes(hashlib.sha256(KSEF_CA.encode()).digest()[:8], "big") >> 1
    return KeyPair(KSEF_CA, key, build_ca_certificate(key, serial, VALID_FROM, VALID_TO))


@dataclass(frozen=True)
class KeyRing:
    """The mock's key pairs (the CA is made on demand when a test builds a ring by hand)."""

    ksef_token: KeyPair
    symmetric_key: KeyPair
    upo: KeyPair
    ca: KeyPair = field(default_factory=generate_ca_pair)

    @property
    def published(self) -> tuple[KeyPair, KeyPair]:
        """The pairs announced to clients."""
        return (self.ksef_token, self.symmetric_key)

    def by_public_key_id(self, public_key_id: str) -> KeyPair | None:
        """The published pair with this ``publicKeyId``."""
        return next((p for p in self.published if p.public_key_id == public_key_id), None)


def generate_pair(usage: str) -> KeyPair:
    """A fresh RSA-2048 key and a self-signed certificate for ``usage``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "Ministerstwo Finansów (mock-ksef)"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, usage),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"),
        ]
    )
    serial = int.from_bytes(hashlib.sha256(usage.encode()).digest()[:8], "big")
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(VALID_FROM)
        .not_valid_after(VALID_TO)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return KeyPair(usage, key, cert)


def load_pair(usage: str, pem: bytes, *, ours: bool = False) -> KeyPair:
    """Read a PEM file holding a private key and its certificate.

    ``ours``: a file this mock generated, whose RSA key needs no consistency check (the
    check costs ~30 ms per key at every start); keys a user supplies are checked.
    """
    key = serialization.load_pem_private_key(
        pem, password=None, unsafe_skip_rsa_key_validation=ours
    )
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{_FILES[usage]}: the key must be RSA")
    cert = x509.load_pem_x509_certificate(pem)
    return KeyPair(usage, key, cert)


def check_user_keys(user_folder: Path) -> None:
    """Read every key file in ``user_folder`` (what :func:`load_or_create` would use).

    Raises:
        ValueError: a file is not a PEM private key with its certificate, or not RSA.
        OSError: a file cannot be read.
    """
    for usage, file_name in _FILES.items():
        if (user_folder / file_name).is_file():
            load_pair(usage, (user_folder / file_name).read_bytes())


def load_or_create(folder: Path | None, user_folder: Path | None = None) -> KeyRing:
    """Read the key ring from ``user_folder`` or ``folder``; create missing pairs in ``folder``.

    Processes starting together (the server's workers) take turns on a lock of
    ``folder``: the first one generates the missing keys, the others wait and read them
    (generating four RSA keys costs 0.1-0.2 s of CPU; doing it once per worker was waste).

    Args:
        folder: where generated keys are kept; ``None`` keeps them in memory only.
        user_folder: keys supplied by the user, used in preference (never written).
    """
    if folder is None:
        return _load_or_create(None, user_folder)
    folder.mkdir(parents=True, exist_ok=True)
    lock = os.open(folder, os.O_RDONLY)  # the folder itself is the lock: no extra file
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the descriptor closes
        return _load_or_create(folder, user_folder)
    finally:
        os.close(lock)


def _load_or_create(folder: Path | None, user_folder: Path | None) -> KeyRing:
    pairs: dict[str, KeyPair] = {}
    for usage, file_name in _FILES.items():
        for source in (user_folder, folder):
            if source is not None and (source / file_name).is_file():
                pem = (source / file_name).read_bytes()
                pairs[usage] = load_pair(usage, pem, ours=source is folder)
                break
        else:
            pairs[usage] = generate_ca_pair() if usage == KSEF_CA else generate_pair(usage)
            if folder is not None:
                # Another process may create the same file at the same moment (one that
                # does not take the lock, e.g. an older version): the first one published
                # wins, and everyone reads that one.
                created = create_exclusive(folder / file_name, pairs[usage].to_pem())
                pairs[usage] = load_pair(usage, created, ours=True)
    return KeyRing(
        pairs[KSEF_TOKEN_USAGE], pairs[SYMMETRIC_KEY_USAGE], pairs[UPO_SIGNING], pairs[KSEF_CA]
    )


def create_exclusive(path: Path, data: bytes) -> bytes:
    """Publish ``data`` at ``path`` unless it exists; return what ``path`` then holds.

    The bytes go to a private temporary file first, which is then hard-linked to
    ``path``: the link fails if ``path`` exists, so two processes starting at once never
    see half a file nor overwrite each other (mode 0600).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o600)
        with contextlib.suppress(FileExistsError):
            os.link(temp, path)
    finally:
        os.unlink(temp)
    return path.read_bytes()

"""Bearer tokens: HS256 JWTs issued and verified by the mock (PyJWT), timed by the clock.

Verifying is two steps: :meth:`TokenService.decode` checks the signature, issuer and
audience and reads the claims (PyJWT costs ~350 µs a token here, so the result is kept in a
bounded LRU keyed by the token string: a token is the same token on every request);
:meth:`TokenService.check` then judges the kind and the expiry against the mock's clock on
every use, so a cached token still expires when the clock moves. Revocation is not a
property of the token: it is looked up in the store on every request (``http/guard``), so a
revocation in any worker process takes effect at once.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import jwt

from mock_ksef.domain.auth.values import AuthOperation, ContextId, Principal
from mock_ksef.domain.errors import Unauthorized

OPERATION = "operation"
ACCESS = "access"
REFRESH = "refresh"

_TYP = {OPERATION: "OperationToken", ACCESS: "ContextToken", REFRESH: "RefreshToken"}
_KIND = {v: k for k, v in _TYP.items()}


@dataclass(frozen=True)
class IssuedToken:
    """A token and when it expires."""

    token: str
    valid_until: datetime
    jti: str


@dataclass(frozen=True)
class VerifiedToken:
    """What a correctly signed token says: its kind, expiry and principal."""

    typ: str
    kind: str | None
    expires: int
    principal: Principal


#: Verified tokens kept per service (a few KB each at most; LRU beyond that).
TOKEN_CACHE_SIZE = 4096


@dataclass(frozen=True)
class TokenService:
    """Signs and checks the mock's JWTs."""

    secret: str
    issuer: str
    cache_size: int = TOKEN_CACHE_SIZE
    _decoded: Callable[[str], VerifiedToken] = field(
        init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        cached = functools.lru_cache(maxsize=self.cache_size)(self._decode)
        object.__setattr__(self, "_decoded", cached)

    def issue(
        self, kind: str, op: AuthOperation, now: datetime, ttl: timedelta, jti: str
    ) -> IssuedToken:
        """A ``kind`` token for authentication operation ``op``, valid for ``ttl``."""
        expires = now + ttl
        claims: dict[str, Any] = {
            "typ": _TYP[kind],
            "arn": op.reference,
            "cit": op.context.type,
            "civ": op.context.value,
            "aum": op.method.legacy,
            "sud": json.dumps(
                {
                    "SubjectIdentifier": {
                        "Type": op.subject.get("type", ""),
                        "Value": op.subject.get("value", ""),
                    }
                },
                ensure_ascii=False,
            ),
            "per": json.dumps(list(op.permissions)),
            "iss": self.issuer,
            "aud": self.issuer,
            "iat": int(now.timestamp()),
            "exp": int(expires.timestamp()),
            "jti": jti,
        }
        token = jwt.encode(claims, self.secret, algorithm="HS256")
        return IssuedToken(token, expires.replace(microsecond=0), jti)

    def verify(self, token: str, kinds: tuple[str, ...], now: datetime) -> Principal:
        """Check signature, kind and expiry (on the mock's clock) of ``token``.

        Raises:
            Unauthorized: for any problem, with a readable reason.
        """
        return self.check(self.decode(token), kinds, now)

    def decode(self, token: str) -> VerifiedToken:
        """Signature, issuer and audience of ``token`` checked, claims read (cached).

        Raises:
            Unauthorized: not a token this service signed (never cached).
        """
        return self._decoded(token)

    @staticmethod
    def check(verified: VerifiedToken, kinds: tuple[str, ...], now: datetime) -> Principal:
        """The principal of ``verified`` if its kind is one of ``kinds`` and it has not expired.

        Raises:
            Unauthorized: another kind, or expired at ``now``.
        """
        if verified.kind not in kinds:
            raise Unauthorized(f"Token typu {verified.typ} nie jest tu akceptowany.")
        if verified.expires <= now.timestamp():
            raise Unauthorized("Token wygasł.")
        return verified.principal

    def _decode(self, token: str) -> VerifiedToken:
        try:
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=["HS256"],
                audience=self.issuer,
                issuer=self.issuer,
                options={"verify_exp": False, "verify_iat": False},
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"Nieprawidłowy token: {exc}") from exc
        try:
            permissions = tuple(json.loads(claims.get("per", "[]")))
        except (TypeError, ValueError) as exc:
            raise Unauthorized("Nieprawidłowy token.") from exc
        typ = str(claims.get("typ"))
        kind = _KIND.get(typ)
        principal = Principal(
            ContextId(str(claims["cit"]), str(claims["civ"])),
            str(claims["arn"]),
            kind or "",
            permissions,
            str(claims.get("jti", "")),
        )
        return VerifiedToken(typ, kind, int(claims.get("exp", 0)), principal)

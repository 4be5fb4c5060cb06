"""Bearer tokens: HS256 JWTs issued and verified by the mock (PyJWT), timed by the clock."""

from __future__ import annotations

import json
from dataclasses import dataclass
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
class TokenService:
    """Signs and checks the mock's JWTs."""

    secret: str
    issuer: str

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
        """Check signature, expiry (on the mock's clock) and kind of ``token``.

        Raises:
            Unauthorized: for any problem, with a readable reason.
        """
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
        kind = _KIND.get(str(claims.get("typ")))
        if kind not in kinds:
            raise Unauthorized(f"Token typu {claims.get('typ')} nie jest tu akceptowany.")
        if int(claims.get("exp", 0)) <= now.timestamp():
            raise Unauthorized("Token wygasł.")
        try:
            permissions = tuple(json.loads(claims.get("per", "[]")))
        except (TypeError, ValueError) as exc:
            raise Unauthorized("Nieprawidłowy token.") from exc
        return Principal(
            ContextId(str(claims["cit"]), str(claims["civ"])),
            str(claims["arn"]),
            kind,
            permissions,
            str(claims.get("jti", "")),
        )

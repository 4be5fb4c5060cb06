"""Settings: defaults, then ``MOCK_KSEF_*`` environment variables, then explicit overrides.

The CLI passes its flags as overrides, so the order of precedence is
defaults < environment < command line.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

ENV_PREFIX = "MOCK_KSEF_"

ALL_FORM_CODES = ("FA (2)", "FA (3)", "FA_RR (1)", "PEF (3)", "PEF_KOR (3)")


@dataclass(frozen=True)
class Settings:
    """Every knob of the mock. Field names map to ``MOCK_KSEF_<NAME>`` variables."""

    host: str = "127.0.0.1"
    port: int = 8080
    #: Base of absolute links the mock hands out (UPO downloads, part uploads),
    #: e.g. ``http://mock-ksef:8080``. Empty: the host the request came to.
    public_url: str = ""
    #: ``memory`` or ``sqlite`` (file ``state.sqlite3`` in ``state_dir``) or ``sqlite:PATH``.
    store: str = "memory"
    #: Where keys, the JWT secret and the SQLite file live. Empty: keys are made in memory.
    state_dir: str = ""
    #: Folder of PEM files ``ksef-token.pem``/``symmetric-key.pem``/``upo.pem`` supplied by
    #: the user (private key followed by its certificate). Overrides generated keys.
    keys_dir: str = ""
    seed: int = 0
    #: ``system``, ``frozen[:ISO]`` or ``offset[:SECONDS]``.
    clock: str = "system"
    #: A folder holding official invoice XSDs (searched recursively). Empty: the FA(3)
    #: schemas shipped by the ``ksef-client`` package.
    schema_dir: str = ""
    #: A folder holding the official ``schemat_auth_v2-0.xsd``/``schemat_auth_v2-1.xsd``
    #: (e.g. ``../shared/ksef/spec/auth``). Empty: XAdES requests are checked for structure
    #: only, without XSD validation (a warning is logged at start-up).
    auth_schema_dir: str = ""
    #: A folder of scenario YAML files loaded at start-up (a broken file stops the start).
    scenarios_dir: str = ""
    #: ``text`` or ``json``.
    log_format: str = "text"
    #: WSGI server of ``mock-ksef serve``: ``dev`` (werkzeug), ``gunicorn`` or ``granian``.
    #: Empty: the measured default (``mock_ksef.serving.DEFAULT_SERVER``).
    server: str = ""
    #: Worker processes of a production server. 0: one with a memory store or a movable
    #: clock, else up to four (one per CPU).
    workers: int = 0
    #: First element of UPO documents; TE appends " - środowisko testowe (TE)".
    upo_entity_name: str = "Ministerstwo Finansów"
    allowed_form_codes: tuple[str, ...] = ALL_FORM_CODES
    challenge_ttl_s: int = 600
    operation_token_ttl_s: int = 45 * 60
    access_token_ttl_s: int = 15 * 60
    refresh_token_ttl_s: int = 7 * 24 * 3600
    auth_status_retention_s: int = 7 * 24 * 3600
    session_ttl_s: int = 12 * 3600
    upo_link_ttl_s: int = 3 * 24 * 3600
    max_invoices_per_session: int = 10_000
    max_invoice_bytes: int = 1_000_000
    max_invoice_with_attachment_bytes: int = 3_000_000
    #: Largest request body accepted by API routes (a 3 MB invoice, Base64, plus slack).
    max_request_bytes: int = 8_000_000
    upo_page_size: int = 10_000
    #: Request-journal entries kept (``/_mock/requests``); older ones are dropped.
    journal_size: int = 10_000
    #: Retention on the mock clock (docs/performance.md): an authentication operation is
    #: deleted this long after both its status retention and its refresh token ended.
    retention_auth_s: int = 24 * 3600
    #: Sessions (with their invoices, UPOs and duplicate records) are deleted this many
    #: days after they were opened; 0 keeps them forever.
    retention_session_days: int = 100
    #: Where uploaded batch parts are kept until the session is processed. Empty:
    #: ``<state_dir>/batch``, or a folder in the system temp dir without a state dir.
    batch_dir: str = ""
    #: Issuer and audience of the mock's JWTs.
    jwt_issuer: str = "ksef-api-mock"
    #: HS256 secret. Empty: generated and kept in ``state_dir`` (or per process).
    jwt_secret: str = ""
    #: Extra ``X-System-Warning`` header value, if any.
    system_warning: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def with_overrides(self, **overrides: Any) -> Settings:
        """Return a copy with the non-``None`` ``overrides`` applied (coerced by field type)."""
        known = {f.name: f for f in fields(self)}
        clean: dict[str, Any] = {}
        for name, value in overrides.items():
            if value is None:
                continue
            if name not in known:
                raise ValueError(f"unknown setting {name!r}")
            clean[name] = _coerce(known[name], value)
        return dataclasses.replace(self, **clean)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then ``MOCK_KSEF_*`` variables from ``environ``, then ``overrides``."""
        env = os.environ if environ is None else environ
        from_env = {
            f.name: env[ENV_PREFIX + f.name.upper()]
            for f in fields(cls)
            if ENV_PREFIX + f.name.upper() in env and f.name != "extra"
        }
        return cls().with_overrides(**from_env).with_overrides(**overrides)

    @property
    def state_path(self) -> Path | None:
        """``state_dir`` as a path, or ``None`` when state is not persisted."""
        return Path(self.state_dir) if self.state_dir else None


def _coerce(spec: dataclasses.Field[Any], value: Any) -> Any:
    kind = spec.type if isinstance(spec.type, str) else getattr(spec.type, "__name__", "")
    if not isinstance(value, str):
        return tuple(value) if kind.startswith("tuple") else value
    if kind == "int":
        return int(value)
    if kind.startswith("tuple"):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value

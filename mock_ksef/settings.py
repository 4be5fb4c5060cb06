"""Settings: defaults, then ``MOCK_KSEF_*`` environment variables, then explicit overrides.

The CLI passes its flags as overrides, so the order of precedence is
defaults < environment < command line.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

ENV_PREFIX = "MOCK_KSEF_"
#: WSGI servers of ``mock-ksef serve`` (``mock_ksef.serving``).
SERVERS = ("dev", "gunicorn", "granian")
LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("debug", "info", "warning")

ALL_FORM_CODES = ("FA (2)", "FA (3)", "FA_RR (1)", "PEF (3)", "PEF_KOR (3)")


@dataclass(frozen=True)
class Settings:
    """Every knob of the mock. Field names map to ``MOCK_KSEF_<NAME>`` variables."""

    host: str = "127.0.0.1"
    port: int = 8080
    #: Base of absolute links the mock hands out (UPO downloads, part uploads),
    #: e.g. ``http://mock-ksef:8080``. Empty: the host the request came to.
    public_url: str = ""
    #: ``memory`` or ``sqlite`` (file ``state.sqlite3`` in ``state_dir``) or ``sqlite:PATH``
    #: or ``postgresql://…`` (a libpq URL; the ``postgresql`` extra, docs/postgresql.md).
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
    #: (searched recursively, e.g. ``../shared/ksef/spec/auth``). Empty: XAdES requests are
    #: checked for structure only, without XSD validation.
    auth_schema_dir: str = ""
    #: A folder of scenario YAML files loaded at start-up (a broken file stops the start).
    scenarios_dir: str = ""
    #: ``text`` or ``json``.
    log_format: str = "text"
    #: ``debug``, ``info`` or ``warning``. At ``info`` the control API's own reads
    #: (``GET /_mock/...``: health checks, the dashboard's polling) are not logged.
    log_level: str = "info"
    #: WSGI server of ``mock-ksef serve``: ``dev`` (werkzeug), ``gunicorn`` or ``granian``.
    #: Empty: the measured default (``mock_ksef.serving.DEFAULT_SERVER``).
    server: str = ""
    #: Worker processes of a production server. 0: one with a memory store or a movable
    #: clock, else up to four (one per CPU).
    workers: int = 0
    #: Request threads per worker process (gunicorn ``gthread`` threads, granian blocking
    #: threads), 1-256. 0: the measured default (``serving.GUNICORN_THREADS`` and
    #: ``serving.GRANIAN_THREADS``).
    threads: int = 0
    #: First element of UPO documents; TE appends " - środowisko testowe (TE)".
    upo_entity_name: str = "Ministerstwo Finansów"
    allowed_form_codes: tuple[str, ...] = ALL_FORM_CODES
    #: ``permissive`` (official-shaped KSeF tokens are owner tokens of their context; an
    #: identity in a context without grants keeps full rights) or ``strict`` (only tokens
    #: the mock issued; the owner rule and grants alone): docs/permissions.md.
    credentials_mode: str = "permissive"
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
    #: A folder for uploaded batch parts (every replica must see the same one). Empty:
    #: the parts are kept in the store (docs/replicas.md); with the memory store, in
    #: ``<state_dir>/batch`` or a folder in the system temp dir.
    batch_dir: str = ""
    #: Seconds a process's lease in the store lasts; renewed every fifth of it. A batch
    #: close whose owner on another host let its lease expire is taken over.
    worker_lease_s: int = 10
    #: Issuer and audience of the mock's JWTs.
    jwt_issuer: str = "ksef-api-mock"
    #: HS256 secret. Empty: generated and kept in ``state_dir`` (or per process).
    jwt_secret: str = ""
    #: Extra ``X-System-Warning`` header value, if any.
    system_warning: str = ""

    def with_overrides(self, **overrides: Any) -> Settings:
        """Return a copy with the non-``None`` ``overrides`` applied (coerced by field type).

        Raises:
            SettingError: a value is unusable (the error names the setting).
        """
        return self._apply(overrides, str)

    def _apply(self, values: Mapping[str, Any], label: Callable[[str], str]) -> Settings:
        known = {f.name: f for f in fields(self)}
        clean: dict[str, Any] = {}
        for name, value in values.items():
            if value is None:
                continue
            if name not in known:
                raise ValueError(f"unknown setting {name!r}")
            try:
                clean[name] = check_value(name, _coerce(known[name], value))
            except ValueError as exc:
                raise SettingError(label(name), str(exc)) from None
        return dataclasses.replace(self, **clean)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then ``MOCK_KSEF_*`` variables from ``environ``, then ``overrides``.

        Raises:
            SettingError: a value is unusable; the error names the variable (or setting).
        """
        return cls.resolve(environ, overrides, str)

    @classmethod
    def resolve(
        cls,
        environ: Mapping[str, str] | None,
        overrides: Mapping[str, Any],
        label: Callable[[str], str] = str,
    ) -> Settings:
        """Like :meth:`from_env`; errors in ``overrides`` are named by ``label(setting)``.

        The CLI passes its flags with ``label=flag_name``, so every bad value, from a
        variable or a flag, is reported by one validator in one style.
        """
        env = os.environ if environ is None else environ
        from_env = {f.name: env[env_name(f.name)] for f in fields(cls) if env_name(f.name) in env}
        return cls()._apply(from_env, env_name)._apply(overrides, label)

    @property
    def state_path(self) -> Path | None:
        """``state_dir`` as a path, or ``None`` when state is not persisted."""
        return Path(self.state_dir) if self.state_dir else None


class SettingError(ValueError):
    """An unusable setting value; ``source`` names the flag, variable or setting."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem


def env_name(name: str) -> str:
    """The variable of setting ``name``: ``port`` -> ``MOCK_KSEF_PORT``."""
    return ENV_PREFIX + name.upper()


def flag_name(name: str) -> str:
    """The CLI flag of setting ``name``: ``state_dir`` -> ``--state-dir``."""
    return "--" + name.replace("_", "-")


def _choice(value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"{value!r} is not one of {', '.join(allowed)}")
    return value


def _check_store(value: str) -> str:
    if value in ("memory", "sqlite") or (value.startswith("sqlite:") and value != "sqlite:"):
        return value
    scheme, sep, rest = value.partition("://")
    if sep and scheme in ("postgresql", "postgres"):
        if not rest:
            raise ValueError(
                f"{scheme}://… names no server: use postgresql://USER:PASSWORD@HOST:PORT/DB"
            )
        return value
    raise ValueError(
        f"{value!r} is not a store: use memory, sqlite, sqlite:PATH or"
        " postgresql://USER:PASSWORD@HOST:PORT/DB"
    )


def _check_clock(value: str) -> str:
    from mock_ksef.clock import parse_clock  # the clock's own parser is the authority

    try:
        parse_clock(value)
    except ValueError as exc:
        raise ValueError(
            f"{value!r} is not a clock ({exc}); use system, frozen, "
            "frozen:2026-01-05T09:00:00+00:00, offset or offset:SECONDS"
        ) from None
    return value


#: Most request threads per worker process (``threads``).
MAX_THREADS = 256


def _at_most(value: int, most: int, what: str) -> int:
    if value > most:
        raise ValueError(f"{value} is too many {what} (at most {most}; 0 picks the default)")
    return value


#: Checks beyond the field type, by setting name; each returns the value or raises.
_CHECKS: dict[str, Callable[[Any], Any]] = {
    "store": _check_store,
    "clock": _check_clock,
    "log_format": lambda v: _choice(v, LOG_FORMATS),
    "log_level": lambda v: _choice(v, LOG_LEVELS),
    "server": lambda v: v and _choice(v, SERVERS),
    "credentials_mode": lambda v: _choice(v, ("permissive", "strict")),
    "threads": lambda v: _at_most(v, MAX_THREADS, "threads per worker"),
}


def check_value(name: str, value: Any) -> Any:
    """Validate one (coerced) setting value; return it or raise ``ValueError(problem)``.

    Pure: it reads no files and no environment. The problem text says what is wrong
    and what would be right; the caller prefixes the flag or variable.
    """
    if name == "port" and not 0 <= value <= 65535:
        raise ValueError(f"{value} is not a port (0-65535; 0 picks a free one)")
    if name == "host" and not value:
        raise ValueError("the host is empty (e.g. 127.0.0.1, 0.0.0.0 or ::)")
    if isinstance(value, int) and value < 0 and name != "seed":
        raise ValueError(f"{value} is negative")
    check = _CHECKS.get(name)
    return check(value) if check else value


def _coerce(spec: dataclasses.Field[Any], value: Any) -> Any:
    kind = spec.type if isinstance(spec.type, str) else getattr(spec.type, "__name__", "")
    if not isinstance(value, str):
        return tuple(value) if kind.startswith("tuple") else value
    if kind == "int":
        try:
            return int(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a whole number") from None
    if kind.startswith("tuple"):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value

"""How the CLI's commands turn flags and ``MOCK_KSEF_*`` variables into :class:`Settings`.

One module for every command (``serve``, ``schemas``, ``health``, ``state``), below all of
them, so that no command module imports another.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import click

from mock_ksef.settings import SettingError, Settings, env_name, flag_name
from mock_ksef.xml.auth_xsd import AUTH_SCHEMA_FILES
from mock_ksef.xml.schemas import SCHEMA_FILES

#: Sub-folder of the state folder that ``fetch`` fills and ``serve`` reads.
SCHEMAS_SUBDIR = "schemas"


def fetched_dir(settings: Settings) -> Path | None:
    """``STATE/schemas``, or ``None`` without a state folder."""
    state = settings.state_path
    return state / SCHEMAS_SUBDIR if state else None


def with_fetched_schemas(settings: Settings) -> Settings:
    """Fill unset ``schema_dir``/``auth_schema_dir`` with ``STATE/schemas`` when it has XSDs."""
    folder = fetched_dir(settings)
    if folder is None or not folder.is_dir():
        return settings
    changes: dict[str, str] = {}
    names = {path.name for path in folder.rglob("*.xsd")}
    if not settings.schema_dir and names & set(SCHEMA_FILES.values()):
        changes["schema_dir"] = str(folder)
    if not settings.auth_schema_dir and names & set(AUTH_SCHEMA_FILES.values()):
        changes["auth_schema_dir"] = str(folder)
    return settings.with_overrides(**changes) if changes else settings


#: Where ``mock-ksef serve`` keeps keys and the SQLite file when no state folder is given.
DEFAULT_STATE_DIR = ".mock-ksef"
#: Settings naming folders that must exist when given.
FOLDERS = ("keys_dir", "schema_dir", "auth_schema_dir", "scenarios_dir")


class ConfigError(click.ClickException):
    """A flag or variable with an unusable value: ``Error: --port: ...``, exit 2."""

    exit_code = 2


def source_of(name: str, flags: Mapping[str, object]) -> str:
    """The flag that set ``name``, else its ``MOCK_KSEF_*`` variable."""
    return flag_name(name) if flags.get(name) is not None else env_name(name)


def resolve_settings(
    flags: Mapping[str, object], environ: Mapping[str, str] | None = None
) -> Settings:
    """Defaults < ``MOCK_KSEF_*`` < flags; a state folder implies the SQLite store.

    The implication applies only when neither ``--store`` nor ``MOCK_KSEF_STORE`` chose
    a store, so ``--state-dir X --store memory`` keeps keys on disk but state in memory.
    Schemas fetched into ``STATE/schemas`` (``mock-ksef schemas fetch``) are used when no
    schema folder is given.

    Raises:
        ConfigError: a bad value, naming the flag or variable that gave it.
    """
    env = dict(os.environ) if environ is None else environ
    try:
        settings = Settings.resolve(env, flags, flag_name)
    except SettingError as exc:
        raise ConfigError(str(exc)) from None
    store_chosen = flags.get("store") is not None or env_name("store") in env
    if not settings.state_dir and not store_chosen:
        # ``serve`` keeps its state by default, so a restart loses nothing.
        settings = settings.with_overrides(state_dir=DEFAULT_STATE_DIR)
    if settings.state_dir and not store_chosen:
        settings = settings.with_overrides(store="sqlite")
    settings = with_fetched_schemas(settings)
    for name in FOLDERS:
        value = getattr(settings, name)
        if value and not Path(value).is_dir():
            raise ConfigError(f"{source_of(name, flags)}: {value} is not a folder")
    return settings

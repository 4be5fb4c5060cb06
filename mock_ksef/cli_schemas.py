"""``mock-ksef schemas status|fetch``: which XSD checks run, and getting the official XSDs.

The XSDs are the Ministry's (MIT licence) and are not shipped with mock-ksef, except the
FA(3) ones that the ``ksef-client`` package carries. ``fetch`` downloads the archive of the
Ministry's public documentation repository (:data:`OFFICIAL_ARCHIVE`) and keeps its
``*.xsd`` files in ``STATE/schemas``; ``serve`` then uses that folder for invoices and
auth requests whenever ``--schema-dir``/``--auth-schema-dir`` are not given.
"""

from __future__ import annotations

import io
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import click

from mock_ksef.cli_config import fetched_dir, resolve_settings
from mock_ksef.settings import Settings
from mock_ksef.xml.auth_xsd import AUTH_SCHEMA_FILES, find_auth_schemas
from mock_ksef.xml.schemas import SchemaRegistry

if TYPE_CHECKING:  # the server's master imports this module: nothing it does not need
    import tarfile

#: The Ministry of Finance's public repository (CIRFMF/ksef-docs, MIT): invoice XSDs under
#: ``faktury/schemy/``, auth XSDs under ``auth/schemy/``.
OFFICIAL_ARCHIVE = "https://codeload.github.com/CIRFMF/ksef-docs/tar.gz/refs/heads/main"
#: Refuse archives larger than this (the real one is a few MB).
MAX_ARCHIVE_BYTES = 200_000_000
INVOICE_FALLBACK = "well-formedness and key fields only"
AUTH_FALLBACK = "structure only"


def schema_summary(settings: Settings) -> str:
    """One line for the banner: which checks run without an XSD, and how to add them."""
    registry = SchemaRegistry(Path(settings.schema_dir) if settings.schema_dir else None)
    missing = registry.missing(settings.allowed_form_codes)
    auth = find_auth_schemas(Path(settings.auth_schema_dir) if settings.auth_schema_dir else None)
    gaps = []
    if missing:
        gaps.append(f"{', '.join(missing)} ({INVOICE_FALLBACK})")
    if len(auth) < len(AUTH_SCHEMA_FILES):
        gaps.append(f"XAdES auth requests ({AUTH_FALLBACK})")
    if not gaps:
        return "every form code and auth request checked against the official XSDs"
    return f"no XSD for {'; '.join(gaps)}: see `mock-ksef schemas status`"


def _state_option(command: click.decorators.FC) -> click.decorators.FC:
    return click.option(
        "--state-dir", help="State folder whose schemas/ serve reads [.mock-ksef]."
    )(command)


@click.group()
def schemas() -> None:
    """Which XSD checks run, and fetching the official XSDs."""


@schemas.command("status")
@_state_option
@click.option("--schema-dir", help="Folder of invoice XSDs, as for serve.")
@click.option("--auth-schema-dir", help="Folder of auth XSDs, as for serve.")
def status(state_dir: str | None, schema_dir: str | None, auth_schema_dir: str | None) -> None:
    """Per form code and auth version: the XSD serve would use, or what is checked instead."""

    flags = {"state_dir": state_dir, "schema_dir": schema_dir, "auth_schema_dir": auth_schema_dir}
    settings = resolve_settings(flags)
    registry = SchemaRegistry(Path(settings.schema_dir) if settings.schema_dir else None)
    click.echo(f"invoice XSDs from {registry.folder or 'nowhere'}")
    for code in settings.allowed_form_codes:
        path = registry.path_of(code)
        click.echo(f"  {code:<12} {path if path else 'no XSD: ' + INVOICE_FALLBACK}")
    folder = Path(settings.auth_schema_dir) if settings.auth_schema_dir else None
    found = find_auth_schemas(folder)
    click.echo(f"auth XSDs from {folder or 'nowhere (--auth-schema-dir not set)'}")
    for namespace, name in AUTH_SCHEMA_FILES.items():
        version = namespace.rsplit("/", 1)[-1]
        where = found.get(name)
        click.echo(f"  auth {version:<7} {where if where else 'no XSD: ' + AUTH_FALLBACK}")
    target = fetched_dir(settings)
    click.echo(
        f"add them with `mock-ksef schemas fetch` (into {target}) "
        "or point --schema-dir/--auth-schema-dir at a folder of official XSDs"
    )


@schemas.command("fetch")
@_state_option
@click.option("--dest", help="Folder to fill instead of STATE/schemas.")
@click.option(
    "--url",
    default=OFFICIAL_ARCHIVE,
    show_default=True,
    help="A .tar.gz holding the XSDs (e.g. a mirror of the official repository).",
)
@click.option("--timeout", default=30.0, show_default=True, help="Seconds for the download.")
def fetch(state_dir: str | None, dest: str | None, url: str, timeout: float) -> None:
    """Download the official XSDs (CIRFMF/ksef-docs) into STATE/schemas, used by serve.

    Needs access to GitHub. Without it, copy the XSDs to a folder by other means and
    pass --schema-dir/--auth-schema-dir (or copy them into STATE/schemas).
    """

    settings = resolve_settings({"state_dir": state_dir})
    target = Path(dest) if dest else fetched_dir(settings)
    if target is None:  # a memory store without a state folder
        raise click.UsageError("no state folder to fetch into: add --state-dir DIR or --dest DIR")
    data = _download(url, timeout, target)
    written = extract_xsds(data, target)
    if not written:
        raise click.ClickException(f"{url} holds no *.xsd files; nothing was written to {target}")
    click.echo(f"{len(written)} XSD files written to {target.resolve()}")
    if dest:
        click.echo(f"serve with --schema-dir {dest} --auth-schema-dir {dest} to use them")


def _download(url: str, timeout: float, target: Path) -> bytes:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            data: bytes = response.read(MAX_ARCHIVE_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise click.ClickException(
            f"cannot download the XSDs from {url}: {reason}.\n"
            "This machine may not reach GitHub. Get the XSDs elsewhere (the repository "
            "CIRFMF/ksef-docs, folders faktury/schemy and auth/schemy), then either copy "
            f"them into {target} or serve with --schema-dir DIR --auth-schema-dir DIR "
            "(variables MOCK_KSEF_SCHEMA_DIR, MOCK_KSEF_AUTH_SCHEMA_DIR)."
        ) from None
    if len(data) > MAX_ARCHIVE_BYTES:
        raise click.ClickException(f"{url} is larger than {MAX_ARCHIVE_BYTES} bytes: refused")
    return data


def extract_xsds(archive: bytes, target: Path) -> list[Path]:
    """Write the archive's ``*.xsd`` files under ``target`` (first folder level dropped).

    Only regular files with relative, ``..``-free names are written; everything else in
    the archive is ignored.

    Raises:
        click.ClickException: the bytes are not a gzip'd tar archive.
    """
    import tarfile

    try:
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
            return [_write_member(tar, member, target) for member in _xsd_members(tar)]
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise click.ClickException(f"the download is not a .tar.gz archive ({exc})") from None


def _xsd_members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = []
    for member in tar.getmembers():
        name = PurePosixPath(member.name)
        parts = name.parts[1:]  # GitHub's "<repo>-<ref>/" prefix
        safe = parts and ".." not in parts and not name.is_absolute()
        if member.isfile() and safe and name.suffix == ".xsd":
            members.append(member)
    return members


def _write_member(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path) -> Path:
    source = tar.extractfile(member)
    path = target.joinpath(*PurePosixPath(member.name).parts[1:])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(source.read() if source else b"")
    return path

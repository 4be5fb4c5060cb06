"""Where the official KSeF material is: ``KSEF_SPEC_DIR`` (default ``../shared/ksef/spec``).

The tests read the Ministry of Finance's own files (MIT licence) and never ship copies.
:data:`REQUIRED` lists every file they open, with where each comes from in the Ministry's
public repository; ``python -m tests.support.spec`` (run by ``make test`` first) checks the
folder and prints what is missing. A missing folder or file fails the tests (never skips
them) with the same list.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
#: The Ministry's public repository (formerly ``CIRFMF/ksef-docs``).
UPSTREAM = "https://github.com/CIRFMF/ksef-api"
#: The OpenAPI document the TEST environment serves (API 2.9.0 when the tests were written).
OPENAPI_URL = "https://api-test.ksef.mf.gov.pl/docs/v2/openapi.json"
#: Spec folder path <- path in the Ministry's repository (folders are copied whole).
FOLDERS: dict[str, str] = {
    "auth/": "auth/schemy/",
    "invoice-schemas/": "faktury/schemy/",
    "upo/examples/": "faktury/upo/przyklady/",
    "upo/": "faktury/upo/schemy/",
    "LICENSE.txt": "LICENSE.txt",
}
#: Every file the tests open (the XSDs' imports under ``bazowe/`` come with their folder).
REQUIRED: tuple[str, ...] = (
    "open-api.json",
    "auth/schemat_auth_v2-0.xsd",
    "auth/schemat_auth_v2-1.xsd",
    "invoice-schemas/FA/schemat_FA(2)_v1-0E.xsd",
    "invoice-schemas/FA/schemat_FA(3)_v1-0E.xsd",
    "invoice-schemas/FA/bazowe/StrukturyDanych_v10-0E.xsd",
    "invoice-schemas/RR/schemat_FA_RR(1)_v1-1E.xsd",
    "invoice-schemas/PEF/Schemat_PEF(3)_v2-1.xsd",
    "invoice-schemas/PEF/Schemat_PEF_KOR(3)_v2-1.xsd",
    "upo/upo-v4-3.xsd",
    *(
        f"upo/examples/v4-3/{folder}/upo-{kind}-{name}.xml"
        for folder, name in (
            ("kontekst-id-zlozony-vat-ue", "id-zlozony-vat-ue"),
            ("kontekst-internal-id", "internal-id"),
            ("kontekst-nip", "kontekst-id-nip"),
        )
        for kind in ("faktura", "sesja")
    ),
)


def upstream(name: str) -> str:
    """Where a spec folder file comes from: the TEST environment or the repository."""
    if name == "open-api.json":
        return OPENAPI_URL
    prefix = next(p for p in FOLDERS if name.startswith(p))
    return f"{UPSTREAM}/blob/main/{FOLDERS[prefix]}{name[len(prefix) :]}"


class SpecMissing(RuntimeError):
    """The spec folder or some of its files are missing; the message says how to get them."""


def configured_dir() -> Path:
    """``KSEF_SPEC_DIR``, or ``../shared/ksef/spec`` next to the repository."""
    configured = os.environ.get("KSEF_SPEC_DIR")
    return Path(configured) if configured else REPO_ROOT.parent / "shared" / "ksef" / "spec"


def missing_files(path: Path) -> list[str]:
    """The :data:`REQUIRED` files that ``path`` lacks."""
    return [name for name in REQUIRED if not (path / name).is_file()]


def explain(path: Path, missing: list[str]) -> str:
    """What is missing from ``path`` and where each file comes from."""
    where = "is not a folder" if not path.is_dir() else f"lacks {len(missing)} file(s)"
    lines = [
        f"KSeF spec folder {path} {where} (set KSEF_SPEC_DIR to the folder holding them).",
        "The tests need the Ministry of Finance's official files (MIT licence):",
    ]
    lines += [f"  {name} <- {upstream(name)}" for name in missing]
    lines.append("README.md, section 'The official KSeF files', has the commands.")
    return "\n".join(lines)


def spec_dir() -> Path:
    """The folder holding ``open-api.json``, the XSDs and the UPO examples.

    Raises:
        SpecMissing: the folder or one of :data:`REQUIRED` is missing (naming them all).
    """
    path = configured_dir()
    missing = missing_files(path)
    if missing:
        raise SpecMissing(explain(path, missing))
    return path.resolve()


def copy_from_clone(clone: Path, target: Path) -> list[str]:
    """Copy :data:`FOLDERS` from a clone of the Ministry's repository into ``target``.

    ``open-api.json`` is not copied: the repository's copy lags behind the document the
    TEST environment serves (:data:`OPENAPI_URL`), which the tests are written against.

    Returns:
        The spec folder paths written, in :data:`FOLDERS` order.

    Raises:
        SpecMissing: ``clone`` lacks one of the upstream folders.
    """
    written: list[str] = []
    for name, source in FOLDERS.items():
        origin = clone / source
        if not origin.exists():
            raise SpecMissing(f"{origin} is missing: is {clone} a clone of {UPSTREAM}?")
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        if origin.is_dir():
            shutil.copytree(origin, destination, dirs_exist_ok=True)
        else:
            shutil.copy2(origin, destination)
        written.append(name)
    return written


def main(argv: list[str] | None = None) -> int:
    """Check the spec folder (after copying it from a clone with ``--from``).

    Returns 0 when it is complete, else 1 with the missing files on stderr.
    """
    parser = argparse.ArgumentParser(prog="python3 -m tests.support.spec", description=__doc__)
    parser.add_argument("--from", dest="clone", type=Path, help=f"a clone of {UPSTREAM}")
    parser.add_argument("--to", type=Path, help="the spec folder (default: KSEF_SPEC_DIR)")
    args = parser.parse_args(argv)
    target = args.to if args.to is not None else configured_dir()
    if args.to is not None:
        os.environ["KSEF_SPEC_DIR"] = str(args.to)
    try:
        if args.clone is not None:
            for name in copy_from_clone(args.clone, target):
                print(f"copied {name} <- {args.clone / FOLDERS[name]}")
        print(f"KSeF spec folder: {spec_dir()} (complete)")
    except SpecMissing as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

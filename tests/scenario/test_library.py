"""The bundled scenario library: it loads, each file is what its name says, and it ships.

Behaviour over HTTP is tested in ``tests/lifecycle``; here the files are checked by IR
inspection, and the wheel built from exactly what the Dockerfile copies must carry them.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from mock_ksef.scenario.loader import (
    bundled_scenarios_dir,
    configured_scenarios,
    load_scenario_folder,
    scenario_files,
)
from mock_ksef.scenario.model import Scenario

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "scenarios"
NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)

SESSION_ROWS = {
    "online-100-open": ("online", 100),
    "online-170-closed": ("online", 170),
    "online-200-success": ("online", 200),
    "online-415-key-error": ("online", 415),
    "online-440-no-invoices": ("online", 440),
    "online-445-no-valid-invoices": ("online", 445),
    "batch-100-started": ("batch", 100),
    "batch-150-processing": ("batch", 150),
    "batch-200-success": ("batch", 200),
    "batch-405-package-verification": ("batch", 405),
    "batch-415-key-error": ("batch", 415),
    "batch-420-invoice-limit": ("batch", 420),
    "batch-430-decompression": ("batch", 430),
    "batch-435-part-decryption": ("batch", 435),
    "batch-440-send-time-exceeded": ("batch", 440),
    "batch-440-no-invoices": ("batch", 440),
    "batch-445-no-valid-invoices": ("batch", 445),
    "batch-500-unknown-error": ("batch", 500),
}
OTHERS = (
    "invoice-430-second-invalid",
    "invoice-435-first-undecryptable",
    "invoice-410-number-pattern",
    "invoice-450-number-pattern",
    "invoice-440-third-is-duplicate",
    "invoice-500-unknown-error",
    "invoice-550-cancelled-by-system",
    "auth-pending-3-polls",
    "auth-415-no-permissions",
    "auth-450-bad-token",
    "auth-460-certificate",
    "auth-470-deceased",
    "auth-480-blocked",
    "auth-short-tokens",
    "rate-limits-on",
    "status-429-twice-then-ok",
    "fault-latency",
    "fault-503-html-gateway",
    "fault-connection-reset",
    "fault-commit-then-fail-send",
    "batch-150-three-polls-then-500",
    "online-short-validity",
    "online-21184-session-unavailable",
    "credentials-read-only-user",
)


@pytest.fixture(scope="module")
def library() -> dict[str, Scenario]:
    return {s.name: s for s in load_scenario_folder(LIBRARY)}


def nip_is_valid(nip: str) -> bool:
    """The NIP checksum: weighted digit sum mod 11 equals the last digit."""
    if not re.fullmatch(r"\d{10}", nip):
        return False
    check = sum(int(d) * w for d, w in zip(nip, NIP_WEIGHTS, strict=False)) % 11
    return check == int(nip[9])


def test_the_library_is_the_source_checkouts_default() -> None:
    assert bundled_scenarios_dir() == LIBRARY
    assert [s.name for s in configured_scenarios("")] == [p.stem for p in scenario_files(LIBRARY)]


def test_every_listed_file_exists_and_nothing_else(library: dict[str, Scenario]) -> None:
    assert sorted(library) == sorted([*SESSION_ROWS, *OTHERS])


def test_names_are_stems_and_every_file_describes_itself(library: dict[str, Scenario]) -> None:
    for name, scenario in library.items():
        assert Path(scenario.source).stem == name
        assert f"X-Mock-Scenario: {name}" in scenario.description
        assert scenario.select.contexts[0] in scenario.description
        assert not scenario.select.default, "the library must not change natural behaviour"


def test_each_file_has_its_own_checksum_valid_nip(library: dict[str, Scenario]) -> None:
    nips = [nip for s in library.values() for nip in s.select.contexts]
    assert len(nips) == len(library) == len(set(nips))
    assert all(nip_is_valid(nip) for nip in nips), nips
    assert not any(nip_is_valid(nip) for nip in ("7770000010", "7770000012"))


def test_the_docs_table_lists_every_nip(library: dict[str, Scenario]) -> None:
    docs = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    for name, scenario in library.items():
        assert f"| `{scenario.select.contexts[0]}` | `{name}` |" in docs


@pytest.mark.parametrize("name", sorted(SESSION_ROWS))
def test_session_rows_force_or_produce_their_code(library: dict[str, Scenario], name: str) -> None:
    kind, code = SESSION_ROWS[name]
    scenario = library[name]
    plan = scenario.online if kind == "online" else scenario.batch
    other = scenario.batch if kind == "online" else scenario.online
    assert other == type(other)(), "a row file touches only its own session type"
    assert scenario.invoices == ()
    assert scenario.faults == ()
    if code in (100, 200):
        assert plan.outcome is None  # natural: open until closed; 200 from valid invoices
        assert plan.processing.seconds == 0
    elif code in (150, 170):
        assert plan.outcome is None
        assert plan.processing.seconds >= 600  # in progress long enough to observe
    else:
        assert plan.outcome is not None
        assert plan.outcome.code == code
    if name == "batch-440-send-time-exceeded":
        assert plan.outcome
        assert plan.outcome.details == ("Przekroczono czas wysyłki",)
        assert plan.validity_seconds == 60
    if name.endswith("440-no-invoices"):
        assert plan.outcome
        assert plan.outcome.details == ("Nie przesłano faktur",)


@pytest.mark.parametrize("name", sorted(n for n in OTHERS if n.startswith("invoice-")))
def test_invoice_files_force_their_code(library: dict[str, Scenario], name: str) -> None:
    [rule] = library[name].invoices
    assert rule.outcome.code == int(name.split("-")[1])
    if "number-pattern" in name or "cancelled" in name:
        assert rule.match.invoice_number == f"FV/{rule.outcome.code}/*"
    else:
        assert rule.match.position in (1, 2, 3)


@pytest.mark.parametrize("code", [415, 450, 460, 470, 480])
def test_auth_files_force_their_code(library: dict[str, Scenario], code: int) -> None:
    [scenario] = [s for n, s in library.items() if n.startswith(f"auth-{code}-")]
    assert scenario.auth.outcome.code == code


def test_the_other_library_files(library: dict[str, Scenario]) -> None:
    assert library["auth-pending-3-polls"].auth.delay.polls == 3
    short = library["auth-short-tokens"].auth
    assert (short.operation_token_seconds, short.access_token_seconds) == (120, 60)
    assert short.refresh_token_seconds == 300
    assert library["rate-limits-on"].rate_limits.enabled
    [fault] = library["status-429-twice-then-ok"].faults
    assert (fault.kind, fault.status, fault.retry_after, fault.times) == ("status", 429, 2, 2)
    assert library["fault-latency"].faults[0].latency_ms == 250
    [html] = library["fault-503-html-gateway"].faults
    assert (html.kind, html.status, html.body) == ("status", 503, "html")
    assert library["fault-connection-reset"].faults[0].kind == "reset"
    assert library["fault-commit-then-fail-send"].faults[0].kind == "commit_then_fail"
    polls = library["batch-150-three-polls-then-500"].batch
    assert polls.processing.polls == 3
    assert polls.outcome is not None
    assert polls.outcome.code == 500
    assert library["online-short-validity"].online.validity_seconds == 120


def _dockerfile_copies() -> list[str]:
    """The sources the Dockerfile copies into its build folder."""
    sources: list[str] = []
    for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if line.startswith("COPY "):
            sources.extend(line.split()[1:-1])
    return sources


def test_the_wheel_built_from_the_docker_sources_carries_the_library(tmp_path: Path) -> None:
    """``pip wheel`` over exactly what the Dockerfile copies; the installed layout finds it."""
    source = tmp_path / "src"
    source.mkdir()
    for name in _dockerfile_copies():
        origin = ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(origin, source / name)
    out = tmp_path / "wheel"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "-q", "-w", str(out)],
        cwd=source,
        check=True,
        capture_output=True,
        timeout=300,
    )
    [wheel] = out.glob("mock_ksef-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "site")
    for path in scenario_files(LIBRARY):
        assert f"mock_ksef/bundled_scenarios/{path.name}" in names
    assert "mock_ksef/scenario/schema.json" in names
    for name in ("index.html", "dashboard.css", "dashboard.js"):  # the dashboard's page
        assert f"mock_ksef/dashboard/static/{name}" in names

    probe = (
        "import json, mock_ksef; from mock_ksef.scenario.loader import "
        "bundled_scenarios_dir as d, configured_scenarios as c; "
        "print(json.dumps([mock_ksef.__file__, str(d()), len(c(''))]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env={"PYTHONPATH": str(tmp_path / "site")},
        cwd=tmp_path,  # not the checkout: ``-c`` puts the working folder first on sys.path
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    package_file, folder, count = json.loads(done.stdout)
    assert package_file.startswith(str(tmp_path / "site"))
    assert folder == str(tmp_path / "site" / "mock_ksef" / "bundled_scenarios")
    assert count == len(scenario_files(LIBRARY))

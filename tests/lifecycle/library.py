"""The bundled scenario library (top-level ``scenarios/``), as the lifecycle tests use it.

:func:`bundled` loads ``scenarios/<name>.yaml`` with the scenario loader. Until the library
lands, a stand-in with the same intent is built here (removed once the files exist).
"""

from __future__ import annotations

import importlib
from pathlib import Path

from flask import Flask

from mock_ksef.http.context import services
from mock_ksef.scenario.model import Delay, Outcome, Scenario, Selector, SessionPlan

ROOT = Path(__file__).resolve().parents[2] / "scenarios"

ONLINE_ROWS = (
    "online-100-open",
    "online-170-closed",
    "online-200-success",
    "online-415-key-error",
    "online-440-no-invoices",
    "online-445-no-valid-invoices",
)
BATCH_ROWS = (
    "batch-100-started",
    "batch-150-processing",
    "batch-200-success",
    "batch-405-package-verification",
    "batch-415-key-error",
    "batch-420-invoice-limit",
    "batch-430-decompression",
    "batch-435-part-decryption",
    "batch-440-send-time-exceeded",
    "batch-440-no-invoices",
    "batch-445-no-valid-invoices",
    "batch-500-unknown-error",
)


def _stand_in(name: str) -> Scenario:
    """A scenario with the intent the library file of ``name`` has (until it lands)."""
    rows = ONLINE_ROWS + BATCH_ROWS
    nip = ["1111111016", "1111111022", "1111111039", "1111111045", "1111111051",
           "1111111068", "1111111074", "1111111080", "1111111097", "1111111105",
           "1111111111", "1111111128", "1111111134", "1111111140", "1111111157",
           "1111111163", "1111111186", "1111111192"][rows.index(name)]  # fmt: skip
    code = int(name.split("-")[1])
    plan = SessionPlan()
    if code in (150, 170):
        plan = SessionPlan(processing=Delay(seconds=3600))
    elif code in (405, 415, 420, 430, 435, 445, 500):
        plan = SessionPlan(outcome=Outcome(code, status_code=503 if code == 500 else None))
    kind = {"online": "online", "batch": "batch"}[name.split("-")[0]]
    return Scenario(
        name=name,
        select=Selector(contexts=(nip,)),
        **{kind: plan},  # type: ignore[arg-type]
    )


def bundled(name: str) -> Scenario:
    """The library's scenario ``name``."""
    path = ROOT / f"{name}.yaml"
    if path.is_file():
        loader = importlib.import_module("mock_ksef.scenario.loader")
        loaded: Scenario = loader.load_scenario_file(path)
        return loaded
    return _stand_in(name)


def install(app: Flask, name: str) -> tuple[Scenario, str]:
    """Make sure ``app`` knows scenario ``name``; returns it and the NIP that selects it."""
    scenario = bundled(name)
    services(app).scenarios.add(scenario)
    return scenario, scenario.select.contexts[0]

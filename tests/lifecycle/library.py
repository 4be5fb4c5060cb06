"""The bundled scenario library (top-level ``scenarios/``), as the lifecycle tests use it.

:func:`bundled` loads ``scenarios/<name>.yaml`` with the scenario loader; :func:`install`
checks that the app under test serves exactly that file (the app loads the library itself).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from mock_ksef.http.context import services
from mock_ksef.scenario.loader import load_scenario_file
from mock_ksef.scenario.model import Scenario

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


def bundled(name: str) -> Scenario:
    """The library's scenario ``name``, read from ``scenarios/<name>.yaml``."""
    return load_scenario_file(ROOT / f"{name}.yaml")


def install(app: Flask, name: str) -> tuple[Scenario, str]:
    """Scenario ``name`` as ``app`` loaded it from the bundled library, and its NIP."""
    scenario = services(app).scenarios.get(name)
    assert scenario == bundled(name), "the app must serve the bundled file as it is"
    return scenario, scenario.select.contexts[0]

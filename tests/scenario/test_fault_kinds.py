"""The fault kinds and bodies the code knows are the ones the scenario schema admits."""

from __future__ import annotations

from mock_ksef.scenario.loader import schema
from mock_ksef.scenario.model import FAULT_BODIES, FAULT_KINDS


def test_fault_kinds_match_the_schema() -> None:
    """``FaultKind`` (what ``http/traffic_edge.py`` compares) is ``fault.kind``'s enum."""
    fault = schema()["$defs"]["fault"]["properties"]
    assert set(FAULT_KINDS) == set(fault["kind"]["enum"])
    assert set(FAULT_BODIES) == set(fault["body"]["enum"])

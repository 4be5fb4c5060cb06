"""Scenarios: YAML files that script what the mock does (outcomes, delays, faults)."""

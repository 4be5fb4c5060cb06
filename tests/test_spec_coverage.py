"""Every operation of ``spec/open-api.json`` is routed by the app, under ``/v2`` and ``/api/v2``.

The next spec version's additions show up here as a failing test. An operation knowingly
left unrouted would be listed in :data:`NOT_YET_ROUTED` (empty: all 83 of 2.9.0 are
routed); the list may only shrink: an entry that is routed fails the test.
"""

from __future__ import annotations

from flask import Flask

from mock_ksef.http.bodies import operation_key
from tests.support.openapi import OpenApiSpec

METHODS = ("get", "post", "put", "patch", "delete")
#: Spec operations not routed yet: none (the next spec version's additions land here first).
NOT_YET_ROUTED: frozenset[str] = frozenset()


def spec_operations(openapi: OpenApiSpec) -> list[str]:
    """``METHOD /path`` of every operation in the spec, sorted."""
    paths = openapi.document["paths"]
    return sorted(
        f"{m.upper()} {path}" for path, item in paths.items() for m in item if m in METHODS
    )


def routed(app: Flask, prefix: str) -> set[str]:
    """Operation keys (``operation_key``) of the app's URL rules under ``prefix``."""
    return {
        operation_key(method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(f"{prefix}/")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }


def _key(operation: str) -> str:
    method, path = operation.split(" ", 1)
    return operation_key(method, path)


def test_the_spec_has_83_operations(openapi):
    """A new spec version changes this number: update the count and route what is new."""
    assert len(spec_operations(openapi)) == 83


def test_every_spec_operation_is_routed_but_the_listed_ones(app, openapi):
    operations = spec_operations(openapi)
    assert not NOT_YET_ROUTED - set(operations), "listed operations the spec does not have"
    for prefix in ("/v2", "/api/v2"):
        keys = routed(app, prefix)
        missing = [op for op in operations if _key(op) not in keys]
        unlisted = [op for op in missing if op not in NOT_YET_ROUTED]
        assert not unlisted, f"not routed under {prefix}: {unlisted}"
        now_routed = sorted(op for op in NOT_YET_ROUTED if _key(op) in keys)
        assert not now_routed, f"routed now, remove from NOT_YET_ROUTED: {now_routed}"
    count = len(operations) - len(NOT_YET_ROUTED)
    print(f"{count} of {len(operations)} spec operations routed")

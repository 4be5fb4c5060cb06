"""The YAML → IR pipeline: each kind of broken file gets one precise, located error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from mock_ksef.scenario import model
from mock_ksef.scenario.loader import (
    SCHEMA_PATH,
    ScenarioError,
    configured_scenarios,
    load_scenario_file,
    load_scenario_folder,
    load_scenario_text,
)
from mock_ksef.scenario.model import (
    AuthPlan,
    Delay,
    Fault,
    InvoiceMatch,
    InvoiceRule,
    Outcome,
    RateLimit,
    RateLimitPlan,
    Scenario,
    Selector,
    SessionPlan,
)

FULL = """\
name: everything
description: |
  Every key once.
select:
  contexts: ["7770000011", "internal-1"]
  tokens: [secret]
  default: false
auth:
  delay: {seconds: 1.5, polls: 2}
  outcome: {code: 415, details: [Brak]}
  permissions: [InvoiceWrite, PefInvoiceWrite]
  operation_token_seconds: 120
  access_token_seconds: 60
  refresh_token_seconds: 300
online:
  processing: {seconds: 10, polls: 1}
  outcome: {code: 445}
  validity_seconds: 120
batch:
  outcome: {code: 500, status_code: 503}
  upload_window_seconds: 600
invoices:
  - match: {position: 2, invoice_number: "FV/*", seller_nip: "7770000011"}
    outcome: {code: 440}
faults:
  - kind: status
    route: "GET /sessions/{referenceNumber}"
    status: 429
    retry_after: 2
    times: 2
  - kind: latency
    latency_ms: 5
    after: 1
    probability: 0.5
rate_limits:
  enabled: true
  groups:
    sessionMisc: {per_second: 1, per_hour: 5}
"""


def _error(text: str, source: str = "scenarios/x.yaml") -> str:
    with pytest.raises(ScenarioError) as caught:
        load_scenario_text(text, source)
    return str(caught.value)


def test_every_key_reaches_the_ir() -> None:
    assert load_scenario_text(FULL, "s/everything.yaml") == Scenario(
        name="everything",
        description="Every key once.",
        select=Selector(contexts=("7770000011", "internal-1"), tokens=("secret",)),
        auth=AuthPlan(
            delay=Delay(seconds=1.5, polls=2),
            outcome=Outcome(415, ("Brak",)),
            permissions=("InvoiceWrite", "PefInvoiceWrite"),
            operation_token_seconds=120,
            access_token_seconds=60,
            refresh_token_seconds=300,
        ),
        online=SessionPlan(
            processing=Delay(seconds=10.0, polls=1),
            outcome=Outcome(445),
            validity_seconds=120,
        ),
        batch=SessionPlan(outcome=Outcome(500, status_code=503), upload_window_seconds=600),
        invoices=(
            InvoiceRule(
                InvoiceMatch(position=2, invoice_number="FV/*", seller_nip="7770000011"),
                Outcome(440),
            ),
        ),
        faults=(
            Fault(
                kind="status",
                route="GET /sessions/{referenceNumber}",
                status=429,
                retry_after=2,
                times=2,
            ),
            Fault(kind="latency", latency_ms=5, after=1, probability=0.5),
        ),
        rate_limits=RateLimitPlan(
            enabled=True, groups={"sessionMisc": RateLimit(per_second=1, per_hour=5)}
        ),
        source="s/everything.yaml",
    )


def test_an_empty_mapping_is_natural_named_after_the_file() -> None:
    assert load_scenario_text("{}\n", "dir/plain-one.yml") == Scenario(
        name="plain-one", source="dir/plain-one.yml"
    )


def test_unknown_status_code_names_file_line_column_and_path() -> None:
    text = "name: x\nonline:\n  outcome:\n    code: 441\n"
    assert _error(text) == (
        "scenarios/x.yaml:4:11: online.outcome.code: 441 is not one of [200, 415, 440, 445]"
    )


def test_codes_are_checked_per_session_type() -> None:
    assert load_scenario_text("batch:\n  outcome: {code: 405}\n", "b.yaml").batch.outcome
    assert _error("online:\n  outcome: {code: 405}\n", "o.yaml") == (
        "o.yaml:2:19: online.outcome.code: 405 is not one of [200, 415, 440, 445]"
    )


def test_unknown_key_lists_the_allowed_ones() -> None:
    assert _error("online:\n  procesing: {polls: 1}\n") == (
        "scenarios/x.yaml:2:3: online.procesing: unknown key 'procesing'; "
        "allowed: outcome, processing, send_unavailable, validity_seconds"
    )


def test_upload_window_is_batch_only() -> None:
    assert "online.upload_window_seconds: unknown key" in _error(
        "online:\n  upload_window_seconds: 60\n"
    )


def test_on_as_a_key_mentions_the_yaml_11_boolean_trap() -> None:
    assert _error("rate_limits:\n  on: true\n") == (
        "scenarios/x.yaml:2:3: rate_limits.on: unknown key 'on'; allowed: enabled, groups "
        "(YAML 1.1 boolean trap: on/off/yes/no are not booleans in scenario files, write "
        "true or false; e.g. `enabled: true` instead of `on:`)"
    )


@pytest.mark.parametrize("word", ["on", "off", "yes", "no", "On", "YES", "True"])
def test_on_as_a_value_mentions_the_yaml_11_boolean_trap(word: str) -> None:
    column = len("  enabled: ") + 1
    assert _error(f"rate_limits:\n  enabled: {word}\n") == (
        f"scenarios/x.yaml:2:{column}: rate_limits.enabled: {word!r} is not a boolean "
        "(YAML 1.1 boolean trap: on/off/yes/no are not booleans in scenario files, write "
        "true or false)"
    )


def test_yes_and_no_stay_strings_where_strings_are_expected() -> None:
    scenario = load_scenario_text("description: no\nselect:\n  tokens: [yes, off]\n", "t.yaml")
    assert scenario.description == "no"
    assert scenario.select.tokens == ("yes", "off")


def test_dates_stay_strings() -> None:
    assert load_scenario_text("description: 2026-01-01\n", "d.yaml").description == "2026-01-01"


def test_wrong_type() -> None:
    assert _error("online:\n  processing:\n    polls: many\n") == (
        "scenarios/x.yaml:3:12: online.processing.polls: 'many' is not of type 'integer'"
    )


def test_list_items_are_addressed_by_index() -> None:
    text = "invoices:\n  - match: {position: 1}\n    outcome: {code: 440}\n  - match: {}\n"
    assert _error(text).splitlines() == [
        "scenarios/x.yaml:4:5: invoices[1]: 'outcome' is a required property",
        "scenarios/x.yaml:4:12: invoices[1].match: must not be empty",
    ]


def test_every_error_of_a_file_is_reported_in_file_order() -> None:
    text = "online:\n  outcome: {code: 1}\nbatch:\n  nope: 1\n"
    assert _error(text).splitlines() == [
        "scenarios/x.yaml:2:19: online.outcome.code: 1 is not one of [200, 415, 440, 445]",
        "scenarios/x.yaml:4:3: batch.nope: unknown key 'nope'; allowed: outcome, processing, "
        "upload_window_seconds, validity_seconds",
    ]


def test_unknown_rate_limit_group() -> None:
    assert _error(
        "rate_limits:\n  groups:\n    sessionMisc: {per_second: 1}\n    foo: {per_hour: 1}\n"
    ) == (
        "scenarios/x.yaml:4:5: rate_limits.groups.foo: unknown name 'foo'; allowed: anonymous, "
        "public, onlineSession, onlineSessionClose, batchSession, batchSessionClose, "
        "invoiceSend, invoiceStatus, sessionList, sessionInvoiceList, sessionMisc, "
        "invoiceMetadata, invoiceExport, invoiceExportStatus, invoiceDownload, "
        "collectiveIdentifier, other"
    )


def test_a_latency_fault_needs_its_latency() -> None:
    assert _error("faults:\n  - kind: latency\n") == (
        "scenarios/x.yaml:2:5: faults[0]: 'latency_ms' is a required property"
    )


def test_bad_yaml_syntax_gives_line_and_column() -> None:
    assert _error("online:\n  outcome: {code: 200\nbatch: {}\n") == (
        "scenarios/x.yaml:3:6: (yaml): YAML syntax error: while parsing a flow mapping "
        "expected ',' or '}', but got ':'"
    )


def test_tab_indentation_is_a_syntax_error() -> None:
    assert _error("online:\n\toutcome: {code: 200}\n").startswith(
        "scenarios/x.yaml:2:1: (yaml): YAML syntax error: "
    )


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n", "~\n"])
def test_empty_file(text: str) -> None:
    assert _error(text) == (
        "scenarios/x.yaml:1:1: (root): the file is empty; a scenario is a mapping"
    )


def test_a_list_is_not_a_scenario() -> None:
    assert _error("- a\n") == "scenarios/x.yaml:1:1: (root): ['a'] is not of type 'object'"


def test_two_documents_in_one_file() -> None:
    assert _error("name: a\n---\nname: b\n").startswith(
        "scenarios/x.yaml:2:1: (yaml): YAML syntax error: expected a single document"
    )


def test_duplicate_key_in_one_mapping() -> None:
    assert _error("name: a\ndescription: d\nname: b\n") == (
        "scenarios/x.yaml:3:1: name: duplicate key 'name' (first at line 1)"
    )


def test_non_string_keys() -> None:
    assert _error("online:\n  true: 1\n  3: 2\n").splitlines() == [
        "scenarios/x.yaml:2:3: online: key true is a boolean; keys must be strings",
        "scenarios/x.yaml:3:3: online: key 3 is a int; keys must be strings",
    ]


def test_natural_is_reserved() -> None:
    assert _error("name: natural\n") == (
        "scenarios/x.yaml:1:7: name: the name 'natural' is reserved"
    )


def test_merge_keys_work() -> None:
    text = "select: &s\n  contexts: ['1']\nauth:\n  delay:\n    <<: {polls: 2}\n    seconds: 1\n"
    assert load_scenario_text(text, "m.yaml").auth.delay == Delay(seconds=1.0, polls=2)


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_folder_loads_yaml_and_yml_sorted(tmp_path: Path) -> None:
    _write(tmp_path, "b.yml", "select: {contexts: ['2']}\n")
    _write(tmp_path, "a.yaml", "select: {contexts: ['1']}\n")
    _write(tmp_path, "notes.txt", "not: [a scenario\n")
    assert [s.name for s in load_scenario_folder(tmp_path)] == ["a", "b"]
    assert load_scenario_file(tmp_path / "a.yaml").source == str(tmp_path / "a.yaml")


def test_duplicate_names_across_files_name_both_files(tmp_path: Path) -> None:
    first = _write(tmp_path, "a.yaml", "name: same\n")
    second = _write(tmp_path, "b.yaml", "description: d\nname: same\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario_folder(tmp_path)
    assert str(caught.value) == (
        f"{second}:2:7: name: scenario name 'same' is also defined in {first}"
    )


def test_a_context_selected_twice_and_two_defaults(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", "select: {contexts: ['1'], default: true}\n")
    other = _write(tmp_path, "b.yaml", "select:\n  contexts: ['2', '1']\n  default: true\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario_folder(tmp_path)
    assert str(caught.value).splitlines() == [
        f"{other}:2:19: select.contexts[1]: '1' is also selected by scenario 'a' "
        f"({tmp_path / 'a.yaml'})",
        f"{other}:3:12: select.default: scenario 'a' ({tmp_path / 'a.yaml'}) is already "
        "the default",
    ]


def test_one_broken_file_breaks_the_folder_and_every_error_is_listed(tmp_path: Path) -> None:
    _write(tmp_path, "good.yaml", "{}\n")
    bad1 = _write(tmp_path, "bad1.yaml", "online: {outcome: {code: 441}}\n")
    bad2 = _write(tmp_path, "bad2.yaml", "")
    with pytest.raises(ScenarioError) as caught:
        load_scenario_folder(tmp_path)
    assert [str(p) for p in caught.value.problems] == [
        f"{bad1}:1:26: online.outcome.code: 441 is not one of [200, 415, 440, 445]",
        f"{bad2}:1:1: (root): the file is empty; a scenario is a mapping",
    ]


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="not a folder"):
        load_scenario_folder(tmp_path / "nope")


def test_configured_scenarios_rereads_a_changed_folder(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.yaml", "description: one\n")
    assert configured_scenarios(str(tmp_path))[0].description == "one"
    path.write_text("description: two, longer\n", encoding="utf-8")
    assert configured_scenarios(str(tmp_path))[0].description == "two, longer"


def test_schema_enums_match_the_model() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    props = schema["properties"]

    def codes(section: Any) -> frozenset[int]:
        return frozenset(section["properties"]["outcome"]["properties"]["code"]["enum"])

    assert codes(props["online"]) == model.ONLINE_OUTCOMES
    assert codes(props["batch"]) == model.BATCH_OUTCOMES
    assert codes(props["auth"]) == model.AUTH_OUTCOMES
    assert codes(props["invoices"]["items"]) == model.INVOICE_OUTCOMES


def test_schema_forbids_unknown_keys_everywhere() -> None:
    """Every object in the schema says additionalProperties: false (or types its values)."""

    def objects(node: object) -> list[dict[str, object]]:
        found: list[dict[str, object]] = []
        if isinstance(node, dict):
            if node.get("type") == "object":
                found.append(node)
            for value in node.values():
                found.extend(objects(value))
        elif isinstance(node, list):
            for value in node:
                found.extend(objects(value))
        return found

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    for node in objects(schema):
        assert node.get("additionalProperties") is not None, node.get("description")
        assert node["additionalProperties"] is False or "propertyNames" in node


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(
        json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    )


def test_send_unavailable_and_the_old_public_group_name() -> None:
    """``online.send_unavailable`` (21184) and ``public`` (now ``anonymous``) load into the IR."""
    scenario = load_scenario_text(
        "online:\n  send_unavailable: {after_invoices: 2}\n"
        "rate_limits:\n  enabled: true\n  groups:\n    public: {per_second: 3}\n",
        "u.yaml",
    )
    assert scenario.online.send_unavailable_after == 2
    assert scenario.rate_limits.groups == {"anonymous": RateLimit(per_second=3)}
    assert (
        load_scenario_text(
            "online:\n  send_unavailable: {}\n", "z.yaml"
        ).online.send_unavailable_after
        == 0
    )
    assert load_scenario_text("{}\n", "n.yaml").online.send_unavailable_after is None
    assert _error("online:\n  send_unavailable: {after_invoices: -1}\n") == (
        "scenarios/x.yaml:2:38: online.send_unavailable.after_invoices: -1 is less than the "
        "minimum of 0"
    )
    assert _error("rate_limits:\n  groups:\n    global: {per_second: 1}\n").startswith(
        "scenarios/x.yaml:3:5: rate_limits.groups.global:"
    )

"""YAML scenario files → validated :class:`~mock_ksef.scenario.model.Scenario` values.

The pipeline: strict YAML (``yaml_nodes``: only ``true``/``false`` are booleans, every
value keeps its line and column), then JSON-Schema validation against the packaged
``schema.json`` (unknown keys are errors everywhere), then the frozen IR (``build``).
Every problem is reported as ``file:line:col: json.path: message``; a folder with any
broken file raises, so a server never starts half-loaded.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from mock_ksef.ids import internal_id_check_digit, internal_id_valid
from mock_ksef.scenario.build import build_scenario
from mock_ksef.scenario.bundle_digest import SUFFIXES
from mock_ksef.scenario.bundle_digest import bundled_scenarios_dir as bundled_scenarios_dir
from mock_ksef.scenario.model import NATURAL, Scenario
from mock_ksef.scenario.yaml_nodes import (
    TRAP_HINT,
    YAML11_BOOLEANS,
    Document,
    JsonPath,
    Mark,
    compose,
    format_path,
)

SCHEMA_PATH = Path(__file__).with_name("schema.json")


@dataclass(frozen=True)
class Problem:
    """One error in one scenario file."""

    source: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}:{self.column}: {self.path}: {self.message}"


class ScenarioError(ValueError):
    """One or more scenario files are broken; ``problems`` lists every error found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass(frozen=True)
class Loaded:
    """A scenario and where its values are in its file (for cross-file errors)."""

    scenario: Scenario
    document: Document

    def problem(self, path: JsonPath, message: str, *, key: bool = False) -> Problem:
        """A problem located at ``path`` in this scenario's file."""
        mark = self.document.mark(path, key=key)
        return Problem(self.scenario.source, mark.line, mark.column, format_path(path), message)


@cache
def schema() -> dict[str, Any]:
    """The scenario JSON Schema shipped with the package."""
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema())


def load_scenario_text(text: str, source: str) -> Scenario:
    """Parse, validate and build one scenario; ``source`` names it in errors.

    The default name is the stem of ``source`` (``scenarios/x.yaml`` → ``x``).

    Raises:
        ScenarioError: the text is not a valid scenario.
    """
    return _load_text(text, source).scenario


def load_scenario_file(path: Path) -> Scenario:
    """Load one ``.yaml``/``.yml`` file.

    Raises:
        ScenarioError: the file cannot be read or is not a valid scenario.
    """
    return _load_file(path).scenario


def load_scenario_folder(path: Path) -> list[Scenario]:
    """Load every ``*.yaml``/``*.yml`` in ``path`` (not recursive), sorted by file name.

    Raises:
        ScenarioError: the folder is missing, any file is broken, or the files conflict
            (a name defined twice, a context or token selected by two scenarios, two
            defaults); every problem of every file is listed.
    """
    if not path.is_dir():
        raise ScenarioError([Problem(str(path), 1, 1, "(folder)", "not a folder")])
    scenarios, problems = check_files(scenario_files(path))
    if problems:
        raise ScenarioError(problems)
    return scenarios


def scenario_files(folder: Path) -> list[Path]:
    """The scenario files of ``folder``, sorted by name."""
    return sorted(p for p in folder.iterdir() if p.suffix in SUFFIXES and p.is_file())


def check_files(files: Iterable[Path]) -> tuple[list[Scenario], list[Problem]]:
    """Load ``files`` as one set: the good scenarios, and every problem found.

    Besides each file's own errors this reports conflicts between the files (see
    :func:`load_scenario_folder`). Each path is read once.
    """
    loaded: list[Loaded] = []
    problems: list[Problem] = []
    seen: set[Path] = set()
    for path in files:
        if path.resolve() in seen:
            continue
        seen.add(path.resolve())
        try:
            loaded.append(_load_file(path))
        except ScenarioError as exc:
            problems.extend(exc.problems)
    problems.extend(_conflicts(loaded))
    return [item.scenario for item in loaded], problems


def _load_file(path: Path) -> Loaded:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(str(path), 1, 1, "(file)", f"cannot read: {exc}")]) from None
    return _load_text(text, str(path))


def _load_text(text: str, source: str) -> Loaded:
    try:
        document = compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = Mark.of(exc.problem_mark or exc.context_mark)
        message = " ".join(part for part in (exc.context, exc.problem) if part)
        raise ScenarioError(
            [Problem(source, mark.line, mark.column, "(yaml)", f"YAML syntax error: {message}")]
        ) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(source, 1, 1, "(yaml)", f"YAML error: {exc}")]) from None
    if document is None or document.data is None:
        raise ScenarioError(
            [Problem(source, 1, 1, "(root)", "the file is empty; a scenario is a mapping")]
        )
    problems = [
        Problem(source, p.mark.line, p.mark.column, format_path(p.path), p.message)
        for p in document.problems
    ]
    if not problems:
        problems = _schema_problems(document, source)
    if problems:
        raise ScenarioError(problems)
    scenario = build_scenario(document.data, source, default_name=Path(source).stem)
    result = Loaded(scenario, document)
    if unplaced := _unplaced_seeds(document.data) + _bad_internal_ids(document.data):
        raise ScenarioError([result.problem(path, message) for path, message in unplaced])
    if scenario.name == NATURAL.name:
        raise ScenarioError([result.problem(("name",), "the name 'natural' is reserved")])
    return result


def _unplaced_seeds(data: Any) -> list[tuple[JsonPath, str]]:
    """Credentials seeds that name no context while ``select.contexts`` is empty."""
    if data.get("select", {}).get("contexts"):
        return []
    credentials = data.get("credentials", {})
    return [
        (
            ("credentials", kind, index),
            "no context to apply it to: give `contexts` or the scenario's `select.contexts`",
        )
        for kind in ("persons", "entities", "authorizations")
        for index, entry in enumerate(credentials.get(kind, ()))
        if not entry.get("contexts")
    ]


def _bad_internal_ids(data: Any) -> list[tuple[JsonPath, str]]:
    """Seed ``contexts`` InternalIds whose check digit is wrong (the API's 21405 check)."""
    found: list[tuple[JsonPath, str]] = []
    for kind in ("persons", "entities", "authorizations"):
        for index, entry in enumerate(data.get("credentials", {}).get(kind, ())):
            for at, value in enumerate(entry.get("contexts", ())):
                digit = internal_id_check_digit(str(value))
                if digit is not None and not internal_id_valid(str(value)):
                    found.append(
                        (
                            ("credentials", kind, index, "contexts", at),
                            f"InternalId '{value}' has a wrong check digit: the last digit "
                            f"must be {digit} (the 1,3,1,3… weighted sum of the first 14 "
                            "digits mod 10), as KSeF checks it",
                        )
                    )
    return found


def _schema_problems(document: Document, source: str) -> list[Problem]:
    problems: list[Problem] = []
    for error in _validator().iter_errors(document.data):
        for path, message, key in _explain(error):
            mark = document.mark(path, key=key)
            problems.append(Problem(source, mark.line, mark.column, format_path(path), message))
    unique = {(p.line, p.column, p.path, p.message): p for p in problems}
    return sorted(unique.values(), key=lambda p: (p.line, p.column, p.message))


def _explain(error: jsonschema.ValidationError) -> list[tuple[JsonPath, str, bool]]:
    """(path, message, at-key) for one schema error, in this project's words."""
    path: JsonPath = tuple(error.absolute_path)
    instance = error.instance
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        properties = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        allowed = sorted(properties)
        return [
            ((*path, key), _unknown_key(key, allowed), True)
            for key in sorted(set(instance) - set(allowed))
        ]
    if "propertyNames" in error.schema_path and isinstance(instance, str):
        names = ", ".join(str(name) for name in _as_list(error.validator_value))
        return [((*path, instance), f"unknown name {instance!r}; allowed: {names}", True)]
    message = error.message
    if error.validator == "type" and "boolean" in _as_list(error.validator_value):
        if isinstance(instance, str) and instance.lower() in YAML11_BOOLEANS:
            message = f"{instance!r} is not a boolean ({TRAP_HINT})"
    elif error.validator == "minProperties" and error.validator_value == 1:
        message = "must not be empty"
    return [(path, message, False)]


def _unknown_key(key: str, allowed: list[str]) -> str:
    message = f"unknown key {key!r}; allowed: {', '.join(allowed)}"
    if key.lower() in YAML11_BOOLEANS:
        message += f" ({TRAP_HINT}; e.g. `enabled: true` instead of `{key}:`)"
    return message


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _conflicts(loaded: list[Loaded]) -> list[Problem]:
    """Names defined twice, contexts/tokens claimed twice, more than one default."""
    problems: list[Problem] = []
    names: dict[str, Loaded] = {}
    claims: dict[tuple[str, str], Loaded] = {}
    default: Loaded | None = None
    for item in loaded:
        scenario = item.scenario
        if first := names.get(scenario.name):
            problems.append(
                item.problem(
                    ("name",),
                    f"scenario name {scenario.name!r} is also defined in {first.scenario.source}",
                )
            )
        names.setdefault(scenario.name, item)
        for kind, values in (
            ("contexts", scenario.select.contexts),
            ("tokens", scenario.select.tokens),
        ):
            for index, value in enumerate(values):
                owner = claims.setdefault((kind, value), item)
                if owner is not item:
                    problems.append(
                        item.problem(
                            ("select", kind, index),
                            f"{value!r} is also selected by scenario "
                            f"{owner.scenario.name!r} ({owner.scenario.source})",
                        )
                    )
        if scenario.select.default:
            if default is not None:
                problems.append(
                    item.problem(
                        ("select", "default"),
                        f"scenario {default.scenario.name!r} ({default.scenario.source}) "
                        "is already the default",
                    )
                )
            default = default or item
    return problems


_folder_cache: dict[Path, tuple[tuple[tuple[str, int, int], ...], list[Scenario]]] = {}


def configured_scenarios(scenarios_dir: str) -> list[Scenario]:
    """The scenarios a server starts with: ``scenarios_dir``, or the bundled library.

    A folder whose files (names, sizes, modification times) are unchanged since the
    last call is not parsed again: apps built in a row (tests) share the frozen values.

    Raises:
        ScenarioError: see :func:`load_scenario_folder`.
    """
    folder = Path(scenarios_dir) if scenarios_dir else bundled_scenarios_dir()
    key = folder.resolve()
    try:
        signature = tuple(
            (p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in scenario_files(folder)
        )
    except OSError:
        signature = ()
    cached = _folder_cache.get(key)
    if cached and cached[0] == signature and signature:
        return list(cached[1])
    scenarios = load_scenario_folder(folder)
    _folder_cache[key] = (signature, scenarios)
    return list(scenarios)

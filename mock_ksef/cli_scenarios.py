"""``mock-ksef scenarios validate PATH...`` and ``mock-ksef scenarios list``."""

from __future__ import annotations

from pathlib import Path

import click

from mock_ksef.scenario.loader import (
    Problem,
    ScenarioError,
    bundled_scenarios_dir,
    check_files,
    load_scenario_folder,
    scenario_files,
)
from mock_ksef.scenario.model import Scenario

DESCRIPTION_WIDTH = 100


@click.group()
def scenarios() -> None:
    """Check and list scenario files."""


@scenarios.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
def validate(paths: tuple[Path, ...]) -> None:
    """Check scenario files (or every *.yaml/*.yml in the given folders) as one set.

    Prints ``OK <file> (<name>)`` per good file and ``file:line:col: path: message``
    per error (on stderr); exits 1 if there is any error.
    """
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            found = scenario_files(path)
            if not found:
                problems.append(Problem(str(path), 1, 1, "(folder)", "no *.yaml/*.yml files"))
            files.extend(found)
        else:
            files.append(path)
    loaded, found_problems = check_files(files)
    problems.extend(found_problems)
    broken = {problem.source for problem in problems}
    for scenario in loaded:
        if scenario.source not in broken:
            click.echo(f"OK {scenario.source} ({scenario.name})")
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        click.echo(f"{len(problems)} error(s) in {len(broken)} file(s)", err=True)
        raise SystemExit(1)


@scenarios.command("list")
@click.option(
    "--dir",
    "folder",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of scenario files [the bundled library].",
)
def list_scenarios(folder: Path | None) -> None:
    """Name, selector and a one-line description of every scenario in a folder."""
    try:
        loaded = load_scenario_folder(folder or bundled_scenarios_dir())
    except ScenarioError as exc:
        raise click.ClickException(f"the scenario files have errors:\n{exc}") from None
    rows = [(s.name, selector_text(s), one_line(s.description)) for s in loaded]
    name_width = max((len(row[0]) for row in rows), default=4)
    selector_width = max((len(row[1]) for row in rows), default=8)
    click.echo(f"{'NAME':<{name_width}}  {'SELECTOR':<{selector_width}}  DESCRIPTION")
    for name, selector, description in rows:
        click.echo(f"{name:<{name_width}}  {selector:<{selector_width}}  {description}".rstrip())


def selector_text(scenario: Scenario) -> str:
    """How a scenario is chosen besides the header: contexts, tokens, default."""
    select = scenario.select
    parts = []
    if select.contexts:
        parts.append("context " + ",".join(select.contexts))
    if select.tokens:
        parts.append(f"{len(select.tokens)} token(s)")
    if select.default:
        parts.append("default")
    return "; ".join(parts) or "header only"


def one_line(description: str) -> str:
    """The first sentence of ``description``, on one line, at most 100 characters."""
    text = " ".join(description.split())
    end = text.find(". ")
    if end != -1:
        text = text[: end + 1]
    if len(text) > DESCRIPTION_WIDTH:
        text = text[: DESCRIPTION_WIDTH - 1].rstrip() + "…"
    return text

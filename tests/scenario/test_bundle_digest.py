"""The bundled library's recorded digest: current, equal to a full parse, never blindly trusted."""

from __future__ import annotations

import shutil
from pathlib import Path

import click
import pytest

from mock_ksef.cli import checked_scenarios
from mock_ksef.scenario.bundle_digest import (
    DIGEST_FILE,
    bundled_scenarios_dir,
    vouched_count,
    vouched_scenarios,
    write_digest,
)
from mock_ksef.scenario.loader import configured_scenarios, scenario_files
from mock_ksef.settings import Settings

BROKEN = "online:\n  outcome:\n    code: 441\n"


def test_the_recorded_digest_is_current() -> None:
    """Fails after an edit of the library or the scenario code: regenerate the digest."""
    assert vouched_count(bundled_scenarios_dir()) == len(scenario_files(bundled_scenarios_dir())), (
        f"{DIGEST_FILE.name} is stale: run `python -m mock_ksef.scenario.bundle_digest`"
    )


def test_the_pre_parsed_scenarios_equal_a_full_parse() -> None:
    vouched = vouched_scenarios(bundled_scenarios_dir())
    assert vouched is not None
    assert vouched == configured_scenarios("")
    assert [s.name for s in vouched] == [s.name for s in configured_scenarios("")]


@pytest.fixture
def library(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the bundled library with its own recorded digest."""
    folder = tmp_path / "library"
    shutil.copytree(bundled_scenarios_dir(), folder)
    digest = tmp_path / "digest.json"
    write_digest(folder, digest)
    return folder, digest


def test_a_vouched_library_is_counted_without_parsing(library: tuple[Path, Path]) -> None:
    folder, digest = library
    count = len(scenario_files(folder))
    assert checked_scenarios(Settings(), folder, digest) == (
        f"{count} loaded from bundled library ({folder})"
    )


def test_an_edited_library_is_validated_and_a_broken_file_stops_the_start(
    library: tuple[Path, Path],
) -> None:
    """The digest no longer matches, so the master parses: the located error, as before."""
    folder, digest = library
    (folder / "zz-broken.yaml").write_text(BROKEN)
    assert vouched_count(folder, digest) is None
    assert vouched_scenarios(folder, digest) is None
    with pytest.raises(click.ClickException) as caught:
        checked_scenarios(Settings(), folder, digest)
    assert caught.value.message.splitlines() == [
        "cannot start: the scenario files have errors:",
        f"{folder / 'zz-broken.yaml'}:3:11: online.outcome.code: 441 is not one of "
        "[200, 415, 440, 445]",
    ]


def test_an_edited_but_valid_library_is_parsed_and_counted(library: tuple[Path, Path]) -> None:
    folder, digest = library
    (folder / "zz-extra.yaml").write_text("name: zz-extra\n")
    count = len(scenario_files(folder))
    assert vouched_count(folder, digest) is None
    assert checked_scenarios(Settings(), folder, digest).startswith(f"{count} loaded from ")


def test_a_user_folder_is_always_validated(library: tuple[Path, Path], tmp_path: Path) -> None:
    """Even a copy of the vouched library: only the bundled one is taken on trust."""
    folder, digest = library
    user = tmp_path / "user"
    shutil.copytree(folder, user)
    (user / "zz-broken.yaml").write_text(BROKEN)
    with pytest.raises(click.ClickException, match="441 is not one of"):
        checked_scenarios(Settings(scenarios_dir=str(user)), folder, digest)


def test_writing_a_digest_refuses_a_broken_library(library: tuple[Path, Path]) -> None:
    folder, digest = library
    before = digest.read_text()
    (folder / "zz-broken.yaml").write_text(BROKEN)
    with pytest.raises(ValueError, match="441 is not one of"):
        write_digest(folder, digest)
    assert digest.read_text() == before

"""``mock-ksef scenarios validate|list`` and ``serve`` refusing a broken scenario folder."""

from __future__ import annotations

import subprocess
from pathlib import Path

from click.testing import CliRunner

from mock_ksef.cli import main
from mock_ksef.scenario.loader import bundled_scenarios_dir, scenario_files
from tests.support.process import clean_env, console_script

BROKEN = "online:\n  outcome:\n    code: 441\n"


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_validate_good_files_and_folders(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("description: A.\n")
    (tmp_path / "b.yml").write_text("name: bee\n")
    code, out, err = _run("scenarios", "validate", str(tmp_path))
    assert (code, err) == (0, "")
    assert out.splitlines() == [f"OK {tmp_path / 'a.yaml'} (a)", f"OK {tmp_path / 'b.yml'} (bee)"]


def test_validate_reports_each_error_and_exits_1(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("{}\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text(BROKEN + "batch:\n  enabled: on\n")
    code, out, err = _run("scenarios", "validate", str(good), str(bad))
    assert code == 1
    assert out.splitlines() == [f"OK {good} (good)"]
    assert err.splitlines() == [
        f"{bad}:3:11: online.outcome.code: 441 is not one of [200, 415, 440, 445]",
        f"{bad}:5:3: batch.enabled: unknown key 'enabled'; allowed: outcome, processing, "
        "upload_window_seconds, validity_seconds",
        "2 error(s) in 1 file(s)",
    ]


def test_validate_checks_the_files_as_one_set(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("name: same\n")
    (tmp_path / "b.yaml").write_text("name: same\n")
    code, out, err = _run("scenarios", "validate", str(tmp_path))
    assert code == 1
    assert out.splitlines() == [f"OK {tmp_path / 'a.yaml'} (same)"]
    assert err.splitlines()[0] == (
        f"{tmp_path / 'b.yaml'}:1:7: name: scenario name 'same' is also defined in "
        f"{tmp_path / 'a.yaml'}"
    )


def test_validate_an_empty_folder_is_an_error(tmp_path: Path) -> None:
    code, out, err = _run("scenarios", "validate", str(tmp_path))
    assert (code, out) == (1, "")
    assert err.splitlines()[0] == f"{tmp_path}:1:1: (folder): no *.yaml/*.yml files"


def test_validate_a_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = _run("scenarios", "validate", str(tmp_path / "nope.yaml"))
    assert code == 2
    assert "does not exist" in err


def test_validate_the_bundled_library() -> None:
    code, out, err = _run("scenarios", "validate", str(bundled_scenarios_dir()))
    assert (code, err) == (0, "")
    assert len(out.splitlines()) == len(scenario_files(bundled_scenarios_dir()))


def test_list_a_folder(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "description: >\n  First sentence. Second one.\nselect:\n  contexts: ['7770000011']\n"
    )
    (tmp_path / "long-name.yaml").write_text(
        f"description: {'x' * 120}\nselect: {{tokens: [t1, t2], default: true}}\n"
    )
    (tmp_path / "plain.yaml").write_text("{}\n")
    code, out, err = _run("scenarios", "list", "--dir", str(tmp_path))
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "NAME       SELECTOR             DESCRIPTION",
        "a          context 7770000011   First sentence.",
        f"long-name  2 token(s); default  {'x' * 99}…",
        "plain      header only",
    ]


def test_list_defaults_to_the_bundled_library() -> None:
    code, out, _ = _run("scenarios", "list")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 1 + len(scenario_files(bundled_scenarios_dir()))
    assert any(
        line.startswith("online-415-key-error") and "context 7770000382" in line for line in lines
    )


def test_list_a_broken_folder(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text(BROKEN)
    code, out, err = _run("scenarios", "list", "--dir", str(tmp_path))
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "Error: the scenario files have errors:",
        f"{tmp_path / 'x.yaml'}:3:11: online.outcome.code: 441 is not one of [200, 415, 440, 445]",
    ]


def test_serve_refuses_to_start_on_a_broken_folder(tmp_path: Path) -> None:
    """Real process: exit 1, the located error on stderr, no traceback, nothing served."""
    (tmp_path / "good.yaml").write_text("{}\n")
    (tmp_path / "x.yaml").write_text("rate_limits:\n  enabled: off\n")
    done = subprocess.run(
        [console_script(), "serve", "--port", "0", "--store", "memory"],
        env=clean_env({"MOCK_KSEF_SCENARIOS_DIR": str(tmp_path)}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "listening" not in done.stdout
    assert done.stderr.splitlines()[-2:] == [
        "Error: cannot start: the scenario files have errors:",
        f"{tmp_path / 'x.yaml'}:2:12: rate_limits.enabled: 'off' is not a boolean (YAML 1.1 "
        "boolean trap: on/off/yes/no are not booleans in scenario files, write true or false)",
    ]


def test_serve_flag_names_the_folder(tmp_path: Path) -> None:
    """``--scenarios-dir`` is a setting like the others (seen by ``config show``)."""
    code, out, _ = _run("config", "show", "--scenarios-dir", str(tmp_path))
    assert code == 0
    assert f'"scenarios_dir": "{tmp_path}"' in out

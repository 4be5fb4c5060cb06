"""The Dockerfile's command, run without Docker: the same argv, the same environment.

There is no container engine here, so the test does what the image would do: it
takes ENTRYPOINT + CMD and the ENV lines from the Dockerfile, runs that command
(changing only the port and the state folder, through the same variables), checks
the health route, and runs the HEALTHCHECK command itself against the server.
"""

from __future__ import annotations

import json
import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.process import ServerProcess, clean_env, free_port, get_json

DOCKERFILE = Path(__file__).resolve().parents[1] / "Dockerfile"


@dataclass
class Dockerfile:
    """The parts of a Dockerfile this test needs."""

    base: str = ""
    env: dict[str, str] = field(default_factory=dict)
    entrypoint: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    healthcheck: list[str] = field(default_factory=list)
    expose: list[str] = field(default_factory=list)
    user: str = ""
    runs: list[str] = field(default_factory=list)

    @property
    def argv(self) -> list[str]:
        """What the container runs: ENTRYPOINT followed by CMD."""
        return self.entrypoint + self.cmd


def _instructions(text: str) -> list[tuple[str, str]]:
    """(KEYWORD, arguments) pairs, with comments dropped and continuations joined."""
    result: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, args = (pending + line).strip().partition(" ")
        result.append((keyword.upper(), args.strip()))
        pending = ""
    return result


def _exec_form(args: str) -> list[str]:
    """A JSON exec-form array (the only form this Dockerfile should use)."""
    value = json.loads(args)
    assert isinstance(value, list), f"use the exec (JSON) form: {args}"
    return [str(item) for item in value]


def parse_dockerfile(text: str) -> Dockerfile:
    """Read the instructions the test runs or checks."""
    parsed = Dockerfile()
    for keyword, args in _instructions(text):
        if keyword == "FROM":
            parsed.base = args
        elif keyword == "ENV":
            parts = shlex.split(args)
            if parts and "=" not in parts[0]:  # legacy ``ENV KEY value``
                parsed.env[parts[0]] = " ".join(parts[1:])
            else:
                parsed.env.update(part.split("=", 1) for part in parts)  # type: ignore[misc]
        elif keyword == "ENTRYPOINT":
            parsed.entrypoint = _exec_form(args)
        elif keyword == "CMD":
            parsed.cmd = _exec_form(args)
        elif keyword == "HEALTHCHECK":
            options, _, command = args.partition("CMD ")
            assert command, f"HEALTHCHECK without CMD: {args} ({options})"
            parsed.healthcheck = _exec_form(command)
        elif keyword == "EXPOSE":
            parsed.expose += args.split()
        elif keyword == "USER":
            parsed.user = args
        elif keyword == "RUN":
            parsed.runs.append(args)
    return parsed


@pytest.fixture(name="dockerfile", scope="module")
def _dockerfile() -> Dockerfile:
    """The repository's Dockerfile, parsed."""
    return parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))


class TestImageDefinition:
    """Static promises of the image."""

    def test_base_user_and_install(self, dockerfile: Dockerfile) -> None:
        """Slim Python 3.11, a non-root user, a wheel built from the checkout, installed."""
        assert dockerfile.base == "python:3.11-slim"
        assert dockerfile.user
        assert dockerfile.user not in ("root", "0")
        assert "pip wheel --no-deps --wheel-dir /wheels ." in dockerfile.runs
        installs = [" ".join(run.split()) for run in dockerfile.runs if "pip install" in run]
        assert installs == [
            "--mount=type=bind,from=build,source=/wheels,target=/wheels"
            ' pip install "$(echo /wheels/*.whl)${EXTRAS:+[$EXTRAS]}"'
        ]

    def test_user_has_fixed_uid_and_gid(self, dockerfile: Dockerfile) -> None:
        """The group gets gid 10001 explicitly (``--user-group`` would pick any free one)."""
        users = [" ".join(run.split()) for run in dockerfile.runs if "useradd" in run]
        assert len(users) == 1
        assert "groupadd --system --gid 10001 ksef" in users[0]
        assert "useradd --system --uid 10001 --gid 10001 " in users[0]

    def test_local_state_stays_out_of_the_build_context(self) -> None:
        """A local ``make serve`` leaves keys and the JWT secret in .mock-ksef: ignored."""
        ignored = (DOCKERFILE.parent / ".dockerignore").read_text(encoding="utf-8").splitlines()
        assert {".mock-ksef", "**/.mock-ksef", ".git", ".venv"} <= set(ignored)

    def test_configuration_by_environment(self, dockerfile: Dockerfile) -> None:
        """It listens on every interface, on the exposed port, with state in /data."""
        assert dockerfile.env["MOCK_KSEF_HOST"] == "0.0.0.0"
        assert dockerfile.env["MOCK_KSEF_STATE_DIR"] == "/data"
        assert dockerfile.expose == [dockerfile.env.get("MOCK_KSEF_PORT", "8080")] == ["8080"]
        assert dockerfile.argv == ["mock-ksef", "serve"]
        assert dockerfile.healthcheck == ["mock-ksef", "health"]

    def test_parser_reads_both_env_forms(self) -> None:
        """The little parser understands ``ENV A=1 B="x y"`` and ``ENV A 1``."""
        parsed = parse_dockerfile('ENV A=1 \\\n    B="x y"\nENV C 3\nCMD ["a"]\n')
        assert parsed.env == {"A": "1", "B": "x y", "C": "3"}
        assert parsed.cmd == ["a"]


def test_container_command_serves_and_passes_its_healthcheck(
    dockerfile: Dockerfile, tmp_path: Path
) -> None:
    """The image's exact command serves /_mock/health, and HEALTHCHECK exits 0 (then 1)."""
    port = free_port()
    env = clean_env(
        {
            **dockerfile.env,
            "MOCK_KSEF_PORT": str(port),  # a free port instead of 8080
            "MOCK_KSEF_STATE_DIR": str(tmp_path / "data"),  # /data is not writable here
        }
    )
    with ServerProcess(dockerfile.argv, env) as server:
        assert server.wait_for_banner() == port
        assert "listening on http://0.0.0.0:" in "".join(server.stdout)
        status, body = get_json(server.url + "/_mock/health")
        assert (status, body["status"]) == (200, "ok")

        check = subprocess.run(
            dockerfile.healthcheck, env=env, capture_output=True, text=True, timeout=30
        )
        assert check.returncode == 0, check.stderr
        assert server.stop() == 0, server.output()

    assert (tmp_path / "data" / "state.sqlite3").is_file()
    down = subprocess.run(
        dockerfile.healthcheck, env=env, capture_output=True, text=True, timeout=30
    )
    assert down.returncode != 0, "the healthcheck must fail when nothing answers"


def test_healthcheck_follows_a_port_given_as_a_flag(dockerfile: Dockerfile, tmp_path: Path) -> None:
    """``docker run IMAGE --port N``: MOCK_KSEF_PORT still says 8080, the check asks N."""
    port = free_port()
    env = clean_env({**dockerfile.env, "MOCK_KSEF_STATE_DIR": str(tmp_path / "data")})
    assert env["MOCK_KSEF_PORT"] == "8080"
    with ServerProcess([*dockerfile.argv, "--port", str(port)], env) as server:
        assert server.wait_for_banner() == port
        check = subprocess.run(
            dockerfile.healthcheck, env=env, capture_output=True, text=True, timeout=30
        )
        assert (check.returncode, check.stdout.split(" (pid")[0]) == (
            0,
            f"ok http://127.0.0.1:{port}/_mock/health",
        ), check.stderr
        assert server.stop() == 0, server.output()
    assert not (tmp_path / "data" / "serving.json").exists(), "removed at a clean stop"
    down = subprocess.run(
        dockerfile.healthcheck, env=env, capture_output=True, text=True, timeout=30
    )
    assert down.returncode == 1
    assert down.stderr.startswith("unhealthy: http://127.0.0.1:8080/_mock/health: ")

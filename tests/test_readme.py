"""Every fenced code block of README.md, executed or checked, so the README stays true.

* ```python blocks: a block defining ``test_*`` functions is a pytest example, saved in a
  temporary folder and run by ``pytest`` in a subprocess (the plugin comes from the
  entry point, as for a user); any other block is a script run against a fresh
  ``mock-ksef serve`` started with the flags of the README's nearest preceding serve
  command (its ``127.0.0.1:8080`` becomes the free port actually used).
* ```sh / ```console blocks, command by command (``&&`` splits, ``# comments`` dropped):
  ``mock-ksef serve …`` and ``make serve`` are started with a free port
  (``MOCK_KSEF_PORT``) and a temporary state folder, asked for ``/_mock/health`` and
  stopped with SIGTERM; other ``mock-ksef`` commands run for real in a temporary folder
  (holding ``my-dir/`` with one bundled scenario); installs, ``make``/``pytest`` lines,
  ``docker`` and benchmark commands are checked against the Makefile, ``.ci/run``, the
  Dockerfile and ``--help`` instead of being re-run. A command nobody handles fails.
* Every ``http://127.0.0.1:8080/…`` link in the prose answers 200 on a served mock.
"""

from __future__ import annotations

import itertools
import re
import shlex
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.process import ServerProcess, clean_env, console_script, free_port, get_json
from tests.test_docker_command import parse_dockerfile

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
FENCE = re.compile(r"^```(\w*)\s*$")
DEFAULT_ADDRESS = "127.0.0.1:8080"
RUN_TIMEOUT_S = 180.0


@dataclass(frozen=True)
class Block:
    """One fenced block: its language, text, first line, and the serve command before it."""

    lang: str
    text: str
    line: int
    serve: str | None


def _serve_commands(block_lang: str, text: str) -> list[str]:
    return [cmd for cmd in _commands(block_lang, text) if _is_serve(cmd)]


def readme_blocks() -> list[Block]:
    """The README's fenced blocks in order."""
    blocks: list[Block] = []
    lang: str | None = None
    body: list[str] = []
    start = 0
    serve: str | None = None
    for number, line in enumerate(README.read_text(encoding="utf-8").splitlines(), 1):
        match = FENCE.match(line)
        if lang is None and match:
            lang, body, start = match[1], [], number + 1
        elif lang is not None and line.strip() == "```":
            text = "\n".join(body) + "\n"
            blocks.append(Block(lang, text, start, serve))
            if lang in ("sh", "console"):
                serve = next(iter(_serve_commands(lang, text)[-1:]), serve)
            lang = None
        elif lang is not None:
            body.append(line)
    return blocks


def _commands(lang: str, text: str) -> list[str]:
    """Shell commands of a block: ``$ `` lines of a console block, every line of sh."""
    found: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if lang == "console":
            if not line.startswith("$ "):
                continue
            line = line[2:]
        line = re.sub(r"\s+#.*$", "", line).strip()
        if line and not line.startswith("#"):
            found.extend(part.strip() for part in line.split("&&"))
    return found


def _is_serve(command: str) -> bool:
    argv = shlex.split(command)
    return argv[:2] == ["make", "serve"] or (
        len(argv) >= 2 and Path(argv[0]).name == "mock-ksef" and argv[1] == "serve"
    )


def _makefile_recipe(target: str) -> list[str]:
    """The recipe lines of a Makefile target."""
    lines = (ROOT / "Makefile").read_text().splitlines()
    head = next(i for i, line in enumerate(lines) if re.match(rf"{re.escape(target)}:", line))
    recipe: list[str] = []
    for line in lines[head + 1 :]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip())
    return recipe


def _mock_argv(command: str) -> list[str]:
    """The argv of a ``mock-ksef`` command, with the executable of this venv."""
    argv = shlex.split(command)
    if argv[:2] == ["make", "serve"]:
        (recipe,) = _makefile_recipe("serve")
        assert recipe.startswith("$(BIN)/mock-ksef serve"), recipe
        argv = ["mock-ksef", *shlex.split(recipe)[1:]]
    assert Path(argv[0]).name == "mock-ksef", command
    assert argv[0] in ("mock-ksef", ".venv/bin/mock-ksef"), command
    return [console_script(), *argv[1:]]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A reader's folder: commands run here; ``my-dir/`` holds one bundled scenario."""
    (tmp_path / "my-dir").mkdir()
    shutil.copy(ROOT / "scenarios" / "online-200-success.yaml", tmp_path / "my-dir")
    monkeypatch.chdir(tmp_path)
    return tmp_path


Starter = Callable[[str], ServerProcess]


@pytest.fixture
def start_server(workdir: Path) -> Iterator[Starter]:
    """Start README serve commands (free port, state in ``workdir``); stops them after."""
    started: list[ServerProcess] = []

    def start(command: str) -> ServerProcess:
        argv = _mock_argv(command)
        port = str(free_port())
        if "--port" in argv:  # the reader's port may be taken here: use a free one
            argv[argv.index("--port") + 1] = port
        env = clean_env({"MOCK_KSEF_PORT": port, "MOCK_KSEF_STATE_DIR": str(workdir / "state")})
        server = ServerProcess(argv, env)
        started.append(server)
        server.wait_for_banner()
        status, body = get_json(f"{server.url}/_mock/health")
        assert (status, body["status"]) == (200, "ok"), server.output()
        return server

    yield start
    for server in started:
        assert server.stop() == 0, server.output()


def _check_install(command: str) -> None:
    argv = shlex.split(command)
    if argv[:3] == ["python3", "-m", "venv"]:
        assert "$(PYTHON) -m venv $(VENV)" in _makefile_recipe("$(BIN)/mock-ksef")
        assert re.search(rf"^VENV \?= {re.escape(argv[3])}$", (ROOT / "Makefile").read_text(), re.M)
        return
    assert argv[1:] == ["install", "-e", ".[test]"], command
    assert '$(BIN)/pip install --quiet -e ".[test]"' in _makefile_recipe("$(BIN)/mock-ksef")


def _check_make_or_pytest(command: str) -> None:
    """``make test``/``pytest`` are what CI runs; ``make bench`` runs the benchmarks."""
    argv = shlex.split(command)
    ci = (ROOT / ".ci" / "run").read_text()
    if argv == ["make", "test"]:
        assert re.search(r"^make test$", ci, re.M)
    elif argv == ["make", "bench"]:
        assert "$(BIN)/python -m benchmarks" in _makefile_recipe("bench")
    elif argv == ["make", "install"]:
        assert _makefile_recipe("install") == []  # only its prerequisite, the venv
    else:
        assert Path(argv[0]).name == "pytest", command
        assert len(argv) == 1, command
        assert "$(BIN)/pytest" in _makefile_recipe("test")
        assert re.search(r"^make test$", ci, re.M)


def _check_docker(command: str) -> None:
    """The image's command itself is run by tests/test_docker_command.py."""
    argv = shlex.split(command)
    dockerfile = parse_dockerfile((ROOT / "Dockerfile").read_text())
    text = (ROOT / "Dockerfile").read_text()
    if argv[1] == "build":
        assert argv[-1] == "."
        return
    assert argv[1] == "run", command
    for flag, value in itertools.pairwise(argv):
        if flag == "-p":
            assert value.rsplit(":", 1)[1] in dockerfile.expose, command
        if flag == "-v":
            assert value.split(":", 1)[1] in text, command
        if flag == "-e":
            assert value.startswith("MOCK_KSEF_"), command


def _check_benchmarks(command: str) -> None:
    argv = shlex.split(command)
    assert argv[:3] == ["python", "-m", "benchmarks"], command
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=True,
    )
    for flag in (a.split("=")[0] for a in argv[3:] if a.startswith("--")):
        assert flag in done.stdout, f"{flag} is not an option of python -m benchmarks"


def _run_shell_command(command: str, start_server: Starter) -> None:
    argv = shlex.split(command)
    name = Path(argv[0]).name
    if _is_serve(command):
        start_server(command)
    elif name == "mock-ksef":
        done = subprocess.run(
            _mock_argv(command), env=clean_env(), capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stdout + done.stderr
    elif argv[:3] == ["python3", "-m", "venv"] or name == "pip":
        _check_install(command)
    elif name in ("make", "pytest"):
        _check_make_or_pytest(command)
    elif name == "docker":
        _check_docker(command)
    elif argv[:3] == ["python", "-m", "benchmarks"]:
        _check_benchmarks(command)
    else:
        pytest.fail(f"README command not covered by tests/test_readme.py: {command}")


def _run_python(block: Block, workdir: Path, start_server: Starter) -> None:
    if re.search(r"^def test_", block.text, re.M):
        (workdir / "test_readme_example.py").write_text(block.text)
        argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error"]
        done = subprocess.run(
            argv, env=clean_env(), capture_output=True, text=True, timeout=RUN_TIMEOUT_S
        )
        count = len(re.findall(r"^def test_", block.text, re.M))
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"{count} passed" in done.stdout
        return
    assert block.serve is not None, "a script block needs a serve command before it"
    server: ServerProcess = start_server(block.serve)
    code = block.text.replace(DEFAULT_ADDRESS, f"127.0.0.1:{server.port}")
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    "block", readme_blocks(), ids=lambda b: f"README.md:{b.line}-{b.lang or 'plain'}"
)
def test_readme_block(block: Block, workdir: Path, start_server: Starter) -> None:
    """The block runs (or is consistent with what CI and the Makefile run)."""
    if block.lang == "python":
        _run_python(block, workdir, start_server)
    elif block.lang in ("sh", "console"):
        for command in _commands(block.lang, block.text):
            _run_shell_command(command, start_server)
    else:
        pytest.fail(f"README.md:{block.line}: no runner for ```{block.lang} blocks")


def test_readme_links_to_the_local_mock_answer(start_server: Starter) -> None:
    """``http://127.0.0.1:8080/…`` links in the prose (e.g. the dashboard) answer 200."""
    prose = re.sub(r"```.*?```", "", README.read_text(encoding="utf-8"), flags=re.S)
    paths = sorted(set(re.findall(r"http://127\.0\.0\.1:8080(/[^\s>)`]+)", prose)))
    assert paths, "the README links to no page of the local mock"
    server: ServerProcess = start_server("mock-ksef serve")
    for path in paths:
        with urllib.request.urlopen(server.url + path, timeout=30) as answer:  # follows 308
            assert answer.status == 200, path


def test_blocks_are_found() -> None:
    """The parser sees the README's blocks, with the walkthrough's serve command."""
    blocks = readme_blocks()
    assert {b.lang for b in blocks} >= {"sh", "python"}
    python = [b for b in blocks if b.lang == "python"]
    assert any("ksef_mock.clock.shift(timedelta(hours=12))" in b.text for b in python)
    assert all(b.serve for b in python if "def test_" not in b.text)

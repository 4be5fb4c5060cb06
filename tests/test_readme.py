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
  ``apt-get``, ``docker`` and benchmark commands are checked against the Makefile,
  ``.ci/run``, the Dockerfile and ``--help`` instead of being re-run. The block that
  fetches the official KSeF files runs for real in a temporary folder, with the network
  steps (``git clone``, ``curl``) checked and replaced by copies of this machine's spec
  folder. ``mock-ksef`` is always called as ``.venv/bin/mock-ksef`` and Python as
  ``.venv/bin/python`` (or ``python3`` before the venv exists). A command nobody handles
  fails.
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

from tests.support import spec
from tests.support.process import ServerProcess, clean_env, console_script, free_port, get_json
from tests.test_docker_command import parse_dockerfile

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
FENCE = re.compile(r"^```(\w*)\s*$")
DEFAULT_ADDRESS = "127.0.0.1:8080"
VENV_MOCK_KSEF = ".venv/bin/mock-ksef"
VENV_PYTHON = ".venv/bin/python"
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
    if argv[0] != "mock-ksef":  # the Makefile's recipe, already checked above
        assert argv[0] == VENV_MOCK_KSEF, f"call the venv's program, {VENV_MOCK_KSEF}: {command}"
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
def start_server(workdir: Path, request: pytest.FixtureRequest) -> Iterator[Starter]:
    """Start README serve commands (free port, state in ``workdir``); stops them after."""
    started: list[ServerProcess] = []
    databases: dict[str, str] = {}

    def start(command: str) -> ServerProcess:
        argv = _mock_argv(command)
        if "--store" in argv and argv[argv.index("--store") + 1].startswith("postgresql://"):
            # The reader's database: here a fresh schema of the tests' PostgreSQL server
            # (one per URL, so two replicas of one block share it).
            at = argv.index("--store") + 1
            if argv[at] not in databases:
                databases[argv[at]] = request.getfixturevalue("pg_server").schema_url()
            argv[at] = databases[argv[at]]
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
    if argv[1:] == ["install", "-e", ".[postgresql]"]:  # an optional extra of pyproject.toml
        assert re.search(r"^postgresql = \[", (ROOT / "pyproject.toml").read_text(), re.M)
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
    if argv[1] == "compose":  # the file itself: tests/test_deploy_compose.py
        assert argv[2:4] == ["-f", "deploy/compose.yaml"], command
        assert (ROOT / argv[3]).is_file(), command
        assert argv[4:] == ["up", "--build"], command
        return
    assert argv[1] == "run", command
    for flag, value in itertools.pairwise(argv):
        if flag == "-p":
            assert value.rsplit(":", 1)[1] in dockerfile.expose, command
        if flag == "-v":
            assert value.split(":", 1)[1] in text, command
        if flag == "-e":
            assert value.startswith("MOCK_KSEF_"), command


def _check_apt(command: str) -> None:
    """``sudo apt-get update`` / ``install``: the packages ``.ci/run`` installs."""
    argv = shlex.split(command)
    assert argv[:2] == ["sudo", "apt-get"], command
    if argv[2:] == ["update"]:
        return
    assert argv[2:4] == ["install", "-y"], command
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(rf"apt-get .*install .*{' '.join(argv[4:])}$", ci, re.M), command
    assert f"apt-get install -y {' '.join(argv[4:])}" in (ROOT / "Makefile").read_text()


def _check_benchmarks(command: str) -> None:
    argv = shlex.split(command)
    assert argv[:3] == [VENV_PYTHON, "-m", "benchmarks"], command
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
    elif argv[0] == "export" and all(a.startswith("MOCK_KSEF_") for a in argv[1:]):
        return  # the reader's own setting (deploy/compose.yaml requires this one)
    elif argv[:3] == [VENV_PYTHON, "-m", "benchmarks"]:
        _check_benchmarks(command)
    elif argv[:2] == ["sudo", "apt-get"]:
        _check_apt(command)
    else:
        pytest.fail(f"README command not covered by tests/test_readme.py: {command}")


def _fake_clone(destination: Path) -> None:
    """What ``git clone`` of the Ministry's repository gives, rebuilt from the spec folder."""
    source = spec.spec_dir()
    for name, upstream in spec.FOLDERS.items():
        target = destination / upstream
        if (source / name).is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source / name, target)
        else:
            skip = shutil.ignore_patterns("examples") if name == "upo/" else None
            shutil.copytree(source / name, target, ignore=skip)


def _run_spec_fetch(commands: list[str], workdir: Path) -> None:
    """The README's fetch of the official files, run from ``workdir/mock-ksef``.

    ``git clone`` and ``curl`` are checked (the Ministry's addresses) and replaced by
    copies of this machine's spec folder; ``mkdir`` and ``python3 -m tests.support.spec``
    run for real. The folder made must hold every required file, byte for byte.
    """
    repo = workdir / "mock-ksef"
    repo.mkdir()
    target: Path | None = None
    for command in commands:
        argv = shlex.split(command)
        if argv[:2] == ["git", "clone"]:
            assert argv[-2] == spec.UPSTREAM, command
            _fake_clone(repo / argv[-1])
        elif argv[:2] == ["mkdir", "-p"]:
            (repo / argv[2]).mkdir(parents=True)
        elif argv[0] == "curl":
            assert argv[-1] == spec.OPENAPI_URL, command
            shutil.copy(spec.spec_dir() / "open-api.json", repo / argv[argv.index("-o") + 1])
        elif argv[:3] == ["python3", "-m", "tests.support.spec"]:
            args = [a if a.startswith("--") else str(repo / a) for a in argv[3:]]
            target = Path(args[args.index("--to") + 1])
            done = subprocess.run(
                [sys.executable, "-m", "tests.support.spec", *args],
                cwd=ROOT,
                env=clean_env(),
                capture_output=True,
                text=True,
                timeout=RUN_TIMEOUT_S,
            )
            assert done.returncode == 0, done.stdout + done.stderr
            assert f"KSeF spec folder: {target.resolve()} (complete)" in done.stdout
        else:
            pytest.fail(f"README command not covered by tests/test_readme.py: {command}")
    assert target is not None, "the fetch block never runs python3 -m tests.support.spec"
    for name in spec.REQUIRED:
        assert (target / name).read_bytes() == (spec.spec_dir() / name).read_bytes(), name


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
    run_script(block, server.port)


def run_script(block: Block, port: int) -> str:
    """Run a README script block against the mock on ``port``; what it printed."""
    code = block.text.replace(DEFAULT_ADDRESS, f"127.0.0.1:{port}")
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.parametrize(
    "block", readme_blocks(), ids=lambda b: f"README.md:{b.line}-{b.lang or 'plain'}"
)
def test_readme_block(block: Block, workdir: Path, start_server: Starter) -> None:
    """The block runs (or is consistent with what CI and the Makefile run)."""
    if block.lang == "python":
        _run_python(block, workdir, start_server)
    elif block.lang in ("sh", "console") and "git clone" in block.text:
        _run_spec_fetch(_commands(block.lang, block.text), workdir)
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


def test_the_readme_table_of_official_files_is_what_the_fetch_copies() -> None:
    """Each row of the README's spec table maps a spec folder path to its upstream path
    exactly as ``tests.support.spec`` copies it."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### The official KSeF files") :].split("\n## ")[0]
    rows = dict(re.findall(r"^\| `([^`]+)` \| `([^`]+)`", section, re.M))
    assert rows == spec.FOLDERS
    served = "| `open-api.json` | the OpenAPI document the TEST environment serves, <"
    assert served + spec.OPENAPI_URL in section


def test_a_missing_spec_file_fails_with_its_name_and_where_to_get_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``spec_dir()`` raises (tests fail, never skip) naming each missing file, the
    folder, ``KSEF_SPEC_DIR`` and the file's upstream address."""
    shutil.copytree(spec.spec_dir(), tmp_path / "spec")
    (tmp_path / "spec" / "upo" / "upo-v4-3.xsd").unlink()
    (tmp_path / "spec" / "open-api.json").unlink()
    monkeypatch.setenv("KSEF_SPEC_DIR", str(tmp_path / "spec"))
    with pytest.raises(spec.SpecMissing) as failure:
        spec.spec_dir()
    assert str(failure.value).splitlines() == [
        f"KSeF spec folder {tmp_path / 'spec'} lacks 2 file(s) "
        "(set KSEF_SPEC_DIR to the folder holding them).",
        "The tests need the Ministry of Finance's official files (MIT licence):",
        "  open-api.json <- https://api-test.ksef.mf.gov.pl/docs/v2/openapi.json",
        "  upo/upo-v4-3.xsd <- "
        "https://github.com/CIRFMF/ksef-api/blob/main/faktury/upo/schemy/upo-v4-3.xsd",
        "README.md, section 'The official KSeF files', has the commands.",
    ]


def _make_prerequisites(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", "prerequisites", "PYTHON=" + sys.executable],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
    )


def test_make_test_first_names_a_missing_spec_folder(tmp_path: Path) -> None:
    """``make test`` starts with ``make prerequisites``: without the spec folder it stops
    with the list of files and where they come from."""
    assert re.search(r"^test: prerequisites ", (ROOT / "Makefile").read_text(), re.M)
    done = _make_prerequisites(clean_env({"KSEF_SPEC_DIR": str(tmp_path / "none")}))
    assert done.returncode != 0
    lines = done.stderr.splitlines()
    assert lines[0] == (
        f"KSeF spec folder {tmp_path / 'none'} is not a folder "
        "(set KSEF_SPEC_DIR to the folder holding them)."
    )
    assert [line.split(" <- ")[0].strip() for line in lines[2:-2]] == list(spec.REQUIRED)


def test_make_test_first_names_the_browser_packages(tmp_path: Path) -> None:
    """Without Chromium, ``make prerequisites`` stops with the Debian/Ubuntu install command
    and the two variables that point elsewhere."""
    env = clean_env(
        {"KSEF_SPEC_DIR": str(spec.spec_dir()), "MOCK_KSEF_CHROMIUM": str(tmp_path / "none")}
    )
    done = _make_prerequisites(env)
    assert done.returncode != 0
    driver = env.get("MOCK_KSEF_CHROMEDRIVER", "/usr/bin/chromedriver")
    assert done.stderr.splitlines()[:3] == [
        "make test: the dashboard tests need a headless Chromium and its driver; "
        f"{tmp_path / 'none'} or {driver} is missing.",
        "  Debian/Ubuntu: sudo apt-get update && sudo apt-get install -y chromium chromium-driver",
        "  elsewhere: export MOCK_KSEF_CHROMIUM=/path/to/chromium "
        "MOCK_KSEF_CHROMEDRIVER=/path/to/its/chromedriver (the same version)",
    ]
    assert _make_prerequisites(clean_env({"KSEF_SPEC_DIR": str(spec.spec_dir())})).returncode == 0

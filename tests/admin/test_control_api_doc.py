"""docs/control-api.md, executed: every example request against a real ``mock-ksef serve``.

The document is a walk-through. Its first ```sh block starts the server; then each
```sh block holds one command and the ```json block after it the exact answer:

* ``curl`` commands are sent over real HTTP (``-X``, ``-H``, ``-d``, ``--data-binary
  @file``; the ``# 200`` comment is the expected HTTP status); ``$REF`` is the reference
  the session-opening step printed; a ```yaml block is saved as the file the next
  ``--data-binary @file`` names;
* ``.venv/bin/python open_session.py`` runs the README's step-4 script, which opens a
  session and leaves it open; it prints the reference, kept as ``$REF``.

Answers are compared as JSON, exactly, with two documented wildcards: the string ``"…"``
stands for any value (the process id, the version), and an array ending in ``"…"`` for an
array that starts with the items shown (the 42-scenario list).
"""

from __future__ import annotations

import json
import re
import shlex
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.process import ServerProcess, clean_env, console_script, free_port
from tests.test_readme import readme_blocks, run_script

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "control-api.md"
FENCE = re.compile(r"^```(\w*)\s*$")
ANY = "…"
TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Fenced:
    """One fenced block of the document."""

    lang: str
    text: str
    line: int


def doc_blocks() -> list[Fenced]:
    """The document's fenced blocks, in order."""
    blocks: list[Fenced] = []
    lang: str | None = None
    body: list[str] = []
    start = 0
    for number, line in enumerate(DOC.read_text(encoding="utf-8").splitlines(), 1):
        match = FENCE.match(line)
        if lang is None and match:
            lang, body, start = match[1], [], number
        elif lang is not None and line.strip() == "```":
            blocks.append(Fenced(lang, "\n".join(body) + "\n", start))
            lang = None
        elif lang is not None:
            body.append(line)
    return blocks


def matches(expected: Any, actual: Any) -> bool:
    """``actual`` equals ``expected``, where ``"…"`` matches anything and a trailing
    ``"…"`` item matches the rest of an array."""
    if expected == ANY:
        return True
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and expected.keys() == actual.keys()
            and all(matches(v, actual[k]) for k, v in expected.items())
        )
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return False
        if expected and expected[-1] == ANY:
            head = expected[:-1]
            return len(actual) >= len(head) and all(map(matches, head, actual))
        return len(expected) == len(actual) and all(map(matches, expected, actual))
    return bool(expected == actual and type(expected) is type(actual))


@dataclass
class Walk:
    """The state of the walk-through: the server, ``$REF``, files saved from blocks."""

    server: ServerProcess
    folder: Path
    ref: str = ""
    pending_file: str = ""


def curl(walk: Walk, command: str) -> tuple[int, Any]:
    """Send a documented ``curl`` command; its HTTP status and JSON answer."""
    argv = shlex.split(command.replace("$REF", walk.ref))
    assert argv[:2] == ["curl", "-s"], command
    method, headers, data = "GET", {}, None
    url = ""
    args = iter(argv[2:])
    for arg in args:
        if arg == "-X":
            method = next(args)
        elif arg == "-H":
            name, value = next(args).split(": ", 1)
            headers[name] = value
        elif arg == "-d":
            data = next(args).encode()
        elif arg == "--data-binary":
            source = next(args)
            assert source.startswith("@"), command
            data = (walk.folder / source[1:]).read_bytes()
        else:
            url = arg
    assert url.startswith("http://127.0.0.1:8080/_mock/"), command
    url = url.replace("127.0.0.1:8080", f"127.0.0.1:{walk.server.port}")
    if data is not None and method == "GET":
        method = "POST"  # as curl does with -d
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def open_session(walk: Walk) -> None:
    """Run the README's step-4 script (opens a session and leaves it open); keep ``$REF``."""
    [script] = [b for b in readme_blocks() if "assert status.code == 100" in b.text]
    walk.ref = run_script(script, walk.server.port).split()[0]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Walk]:
    """The document's serve command, on a free port, with a state folder in tmp_path."""
    serve = next(b for b in doc_blocks() if b.lang == "sh" and "mock-ksef serve" in b.text)
    argv = shlex.split(serve.text.split("#")[0])
    assert argv[:2] == [".venv/bin/mock-ksef", "serve"], serve.text
    env = clean_env({"MOCK_KSEF_PORT": str(free_port())})
    server = ServerProcess([console_script(), *argv[1:]], env)
    server.wait_for_banner()
    try:
        yield Walk(server, tmp_path)
    finally:
        assert server.stop() == 0, server.output()


def test_every_example_answers_exactly_as_documented(served: Walk) -> None:
    """Each documented request gets the documented status and JSON answer, in order."""
    blocks = doc_blocks()
    checked: list[str] = []
    for n, block in enumerate(blocks):
        where = f"docs/control-api.md:{block.line}"
        if block.lang == "yaml":
            name = re.search(r"--data-binary @(\S+)", blocks[n + 1].text)
            assert name, f"{where}: a yaml block must precede a --data-binary @file"
            (served.folder / name[1]).write_text(block.text, encoding="utf-8")
            continue
        if block.lang != "sh" or "mock-ksef serve" in block.text:
            continue
        command = block.text.strip()
        if command == ".venv/bin/python open_session.py":
            open_session(served)
            continue
        line, _, comment = command.partition(" # ")
        status, answer = curl(served, line)
        after = blocks[n + 1]
        assert after.lang == "json", f"{where}: the answer block must follow"
        expected = json.loads(after.text.replace("$REF", served.ref))
        assert status == int(comment), f"{where}: {status} {answer}"
        assert matches(expected, answer), f"{where}:\n{json.dumps(answer, indent=2)}"
        checked.append(line.replace("$REF", "{ref}").split("/_mock/")[1].split("?")[0])
    routes = {route.split(" ")[0].rstrip("'") for route in checked}
    assert routes >= DOCUMENTED_ROUTES, sorted(DOCUMENTED_ROUTES - routes)


#: Every control route (besides the dashboard's, in docs/dashboard.md) has an example.
DOCUMENTED_ROUTES = {
    "health",
    "reset",
    "clock",
    "seed",
    "scenarios",
    "scenarios/select",
    "sessions",
    "sessions/{ref}",
    "sessions/{ref}/state",
    "requests",
}


def test_the_wildcards_are_strict_elsewhere() -> None:
    """``matches`` is exact but for ``"…"``: other values, keys, lengths and types differ."""
    assert matches({"a": [1, ANY]}, {"a": [1, 2, 3]})
    assert matches({"pid": ANY}, {"pid": 7})
    assert not matches({"a": 1}, {"a": 1, "b": 2})
    assert not matches([1, 2], [1, 2, 3])
    assert not matches([1, ANY], [2, 3])
    assert not matches(1, True)
    assert not matches({"a": "x"}, {"a": "y"})

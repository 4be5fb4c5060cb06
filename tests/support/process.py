"""Run ``mock-ksef serve`` as a real child process and talk to it over HTTP."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

BANNER_RE = re.compile(r"listening on http://(?P<host>[^\s:]+):(?P<port>\d+)")
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 20.0


def console_script(name: str = "mock-ksef") -> str:
    """The installed console script next to this interpreter."""
    path = Path(sys.executable).parent / name
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: install the project into this venv")
    return str(path)


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without MOCK_KSEF_* variables, plus ``extra``.

    The interpreter's folder goes first on ``PATH``, so bare ``mock-ksef`` and
    ``python`` resolve to this venv, as they would inside the container.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOCK_KSEF_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra or {})
    return env


def free_port() -> int:
    """A TCP port that was free a moment ago on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """A ``mock-ksef serve`` child: started, waited for, stopped with a signal."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str] | None = None) -> None:
        self.argv = list(argv)
        self.proc = subprocess.Popen(
            self.argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(env) if env is not None else clean_env(),
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.stdout: list[str] = []
        self.stderr = ""
        self._stderr_thread = threading.Thread(target=self._drain_stderr, daemon=True)
        self._stdout_thread = threading.Thread(target=self._pump_stdout, daemon=True)
        self._stderr_thread.start()
        self._stdout_thread.start()
        self.port = 0

    def _pump_stdout(self) -> None:
        assert self.proc.stdout is not None
        with self.proc.stdout:
            for line in self.proc.stdout:
                self.stdout.append(line)
                self.lines.put(line)
        self.lines.put(None)

    def _drain_stderr(self) -> None:
        assert self.proc.stderr is not None
        with self.proc.stderr:
            self.stderr = self.proc.stderr.read()

    def wait_for_banner(self, timeout: float = START_TIMEOUT_S) -> int:
        """Block until the banner names the port; return it (fails if the child dies)."""
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                self.kill()
                raise AssertionError(f"no banner within {timeout}s: {self.output()}") from None
            if line is None:
                self.proc.wait(timeout=STOP_TIMEOUT_S)
                raise AssertionError(f"server exited {self.proc.returncode}: {self.output()}")
            match = BANNER_RE.search(line)
            if match:
                self.port = int(match["port"])
                return self.port

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (loopback reaches a server on 0.0.0.0 too)."""
        return f"http://127.0.0.1:{self.port}"

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Send ``sig`` and wait for the exit code (killing the child if it hangs)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"server ignored {sig}: {self.output()}") from None
        self._stdout_thread.join(timeout=STOP_TIMEOUT_S)
        self._stderr_thread.join(timeout=STOP_TIMEOUT_S)
        return code

    def kill(self) -> None:
        """Kill the child if it still runs, and wait for its output to be read."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=STOP_TIMEOUT_S)
        self._stdout_thread.join(timeout=STOP_TIMEOUT_S)
        self._stderr_thread.join(timeout=STOP_TIMEOUT_S)

    def output(self) -> str:
        """What the child printed so far, for failure messages."""
        return "stdout:\n" + "".join(self.stdout) + "\nstderr:\n" + self.stderr

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()


def get_json(
    url: str, timeout: float = 10.0, headers: Mapping[str, str] | None = None
) -> tuple[int, Any]:
    """GET ``url``; the status and decoded JSON body (also for error statuses)."""
    request = urllib.request.Request(url, headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        with err:
            return err.code, json.loads(err.read() or b"null")

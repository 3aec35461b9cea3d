"""Real servers as subprocesses on 127.0.0.1, one harness for the tests and the bench.

tests/conftest.py (``start_server``, ``RunningServer``) and bench/common.py (``launch``,
``start_server``, ``Server``) both build on it: a free port, ``sparkhouse serve``'s command
line, the process started from the repository root with its output in a log file, the wait
until its health URL answers 200, and the stop. Standard library only, so the bench needs
nothing the tests bring.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_status(url: str, timeout: float = 1.0) -> int | None:
    """The status ``url`` answers with, or None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except (OSError, ValueError):
        return None


def serve_command(port: int, data_dir: Path) -> list[str]:
    """``python -m appliance serve`` on ``port`` with ``data_dir``, in this interpreter."""
    command = [sys.executable, "-m", "appliance", "serve", "--port", str(port)]
    return [*command, "--data-dir", str(data_dir)]


class ServerProcess:
    """What a started server offers; subclasses (dataclasses) hold these three fields."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10) -> int:
        """Send ``sig``, wait up to ``timeout`` s, then kill; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def spawn(
    command: Sequence[str], log_path: Path, env: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start ``command`` in the repository root, ``env`` over ours, its output in ``log_path``."""
    with log_path.open("wb") as log_file:
        return subprocess.Popen(
            list(command),
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )


def wait_until_healthy(
    server: ServerProcess,
    health_url: str,
    timeout: float,
    name: str = "server",
    stop_signal: int = signal.SIGTERM,
) -> None:
    """Return once ``health_url`` answers 200; raise, with the server's log, if the server
    exits first or ``timeout`` s pass (the server is then stopped with ``stop_signal``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            code = server.process.returncode
            raise RuntimeError(f"{name} exited with {code}:\n{server.log()}")
        if http_status(health_url) == 200:
            return
        time.sleep(0.1)
    server.stop(stop_signal)
    raise RuntimeError(f"{name} did not answer {health_url} in {timeout:.0f} s:\n{server.log()}")

"""Shared fixtures: real servers started as subprocesses on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.harness import (
    ROOT,
    ServerProcess,
    free_port,
    serve_command,
    spawn,
    wait_until_healthy,
)

ARTIFACTS = ROOT / "tests" / "artifacts"
NODE_DIR = ROOT / "tests" / "node"
CHROMIUM = "/usr/bin/chromium"


@dataclass
class RunningServer(ServerProcess):
    """A server started for a test (tests/support/harness.py has the process side)."""

    process: subprocess.Popen[bytes]
    port: int
    data_dir: Path
    log_path: Path

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/socket/websocket"


def start_server(
    data_dir: Path,
    env: dict[str, str] | None = None,
    port: int | None = None,
    timeout: float = 20,
    script: Path | None = None,
) -> RunningServer:
    """Start ``python -m appliance serve`` (or a test ``script PORT DATA_DIR``) and wait
    until /healthz answers."""
    port = port or free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir.parent / f"server-{port}.log"
    command = serve_command(port, data_dir)
    if script is not None:
        command = [sys.executable, str(script), str(port), str(data_dir)]
    process = spawn(command, log_path, {"SPARKHOUSE_LOG_LEVEL": "INFO", **(env or {})})
    server = RunningServer(process, port, data_dir, log_path)
    wait_until_healthy(server, f"{server.url}/healthz", timeout, stop_signal=signal.SIGKILL)
    return server


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """One server with default settings for every test that does not need its own."""
    running = start_server(tmp_path_factory.mktemp("shared") / "data")
    yield running
    running.stop()


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Callable[..., RunningServer]]:
    """Start servers with their own settings (env) and data dir; all stopped after the test."""
    started: list[RunningServer] = []

    def factory(
        env: dict[str, str] | None = None,
        data_dir: Path | None = None,
        port: int | None = None,
        script: Path | None = None,
    ) -> RunningServer:
        data = data_dir or tmp_path / f"data{len(started)}"
        running = start_server(data, env, port, script=script)
        started.append(running)
        return running

    yield factory
    for running in started:
        running.stop()


PLATFORM_APP = ROOT / "tests" / "support" / "platform_app.py"


@pytest.fixture(scope="session")
def platform_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The appliance plus a test channel ``echo:*`` (tests/support/platform_app.py)."""
    running = start_server(tmp_path_factory.mktemp("platform") / "data", script=PLATFORM_APP)
    yield running
    running.stop()


@pytest.fixture
def http(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


def node_available() -> bool:
    return shutil.which("node") is not None and (NODE_DIR / "node_modules").is_dir()


def run_node(
    script: str, *args: str, timeout: float = 60, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a Node contract client from tests/node; its last stdout line is JSON."""
    if not node_available():
        pytest.fail("tests/node/node_modules is missing: run `make node-deps` (make test does)")
    return subprocess.run(
        ["node", str(NODE_DIR / script), *args],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Debian chromium driven by Playwright (never Playwright's own download)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is missing: run `make browser` (make test does)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
            ],
        )
        yield chromium
        chromium.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests run last: Playwright's sync API keeps an event loop running in the main
    thread for the rest of the session, which async tests after it could not use."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)

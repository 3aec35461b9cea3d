"""The sparkhouse command: version, config, and the spark client against a real server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, RunningServer, free_port
from tests.support.phoenix_raw import RawSocket


def sparkhouse(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "appliance", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_version() -> None:
    result = sparkhouse("version")
    assert result.returncode == 0 and result.stdout.startswith("sparkhouse ")


def test_config_shows_effective_settings_with_flags_over_env() -> None:
    result = sparkhouse(
        "config",
        "--json",
        "--port",
        "4555",
        env={"PORT": "4111", "HOST": "0.0.0.0", "CORS_ORIGINS": "http://a.b"},
    )
    assert result.returncode == 0, result.stderr
    rows = {row["env"]: row for row in json.loads(result.stdout)}
    assert rows["PORT"]["value"] == 4555
    assert rows["HOST"]["value"] == "0.0.0.0"
    assert rows["CORS_ORIGINS"]["value"] == "http://a.b"
    assert all(row["description"] for row in rows.values())


def test_config_rejects_bad_values_with_a_clear_message() -> None:
    result = sparkhouse("config", env={"PORT": "seventy"})
    assert result.returncode != 0
    assert "port" in result.stderr.lower() and "invalid setting" in result.stderr


async def test_spark_command_reaches_the_board(server: RunningServer) -> None:
    sock = await RawSocket.open(server.ws_url)
    await sock.join("board:lobby")
    result = sparkhouse(
        "spark", "12", "34", "--color", "0,1,0", "--radius", "9", "--url", server.url
    )
    assert result.returncode == 0, result.stderr
    frame = await sock.recv()
    assert frame[4]["data"] == {
        "x": 12,
        "y": 34,
        "color": [0.0, 1.0, 0.0],
        "radius": 9.0,
        "transparency": 0.2,
        "time_to_grow": 1.0,
    }
    result = sparkhouse("spark", "--random", "20", "--rate", "200", "--url", server.url)
    assert result.returncode == 0, result.stderr
    assert "sent 20 of 20 sparks" in result.stdout
    frames = [await sock.recv() for _ in range(20)]
    assert all(frame[3] == "sparkle_event" for frame in frames)
    await sock.close()


def test_spark_command_explains_bad_input_and_unreachable_servers() -> None:
    refused = sparkhouse("spark", "600", "1", "--url", "http://127.0.0.1:9")
    assert refused.returncode != 0 and "is `sparkhouse serve` running" in refused.stderr
    bad_color = sparkhouse("spark", "1", "1", "--color", "red")
    assert bad_color.returncode != 0 and "--color" in bad_color.stderr


def test_sigterm_while_starting_stops_cleanly_once_serving(tmp_path: Path) -> None:
    # Until Sanic installs its handlers (after every start-up listener ran) a SIGTERM would
    # kill the process with no shutdown; the CLI remembers it and stops once serving.
    data_dir = tmp_path / "data"
    log_path = tmp_path / "server.log"
    command = [sys.executable, "-m", "appliance", "serve", "--port", str(free_port())]
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [*command, "--data-dir", str(data_dir)],
            cwd=ROOT,
            env={**os.environ, "SPARKHOUSE_LOG_LEVEL": "INFO"},
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        # "serving on" is logged once the app is built, before its start-up listeners run.
        while "serving on" not in log_path.read_text() and time.monotonic() < deadline:
            assert process.poll() is None, log_path.read_text()
            time.sleep(0.005)
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    log = log_path.read_text()
    assert code == 0, log
    assert "SIGTERM received while starting" in log
    assert "Server Stopped" in log
    # the analytics start (its daily salt created on a first run) finished before the shutdown
    assert log.index("visitor salt for UTC day") < log.index("Server Stopped")


SERVE_WITH_A_LAST_LISTENER = """
import os, signal, sys
import appliance.server as server
from appliance import cli

build = server.create_app


def create_app(*args, **kwargs):
    app = build(*args, **kwargs)
LISTENER
    return app


server.create_app = create_app
sys.exit(cli.main(["serve", "--port", sys.argv[1], "--data-dir", sys.argv[2]]))
"""


def serve_with_a_last_listener(tmp_path: Path, listener: str) -> subprocess.CompletedProcess[str]:
    """Run ``sparkhouse serve`` whose app gets ``listener`` (a decorated async function, in
    source) registered after every other listener of its kind."""
    script = tmp_path / "serve_with_a_last_listener.py"
    body = textwrap.indent(textwrap.dedent(listener).strip("\n"), "    ")
    script.write_text(SERVE_WITH_A_LAST_LISTENER.replace("LISTENER", body + "\n"))
    return subprocess.run(
        [sys.executable, str(script), str(free_port()), str(tmp_path / "data")],
        cwd=ROOT,
        env={**os.environ, "SPARKHOUSE_LOG_LEVEL": "INFO"},
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_sigterm_during_the_after_start_listeners_is_not_lost(tmp_path: Path) -> None:
    # Sanic's own handler calls app.stop() there, which that run of the loop consumes: Sanic
    # then serves forever (a hang in 2-4 of 40 binary runs signalled right after /healthz).
    result = serve_with_a_last_listener(
        tmp_path,
        """
        @app.after_server_start
        async def signal_while_starting(app, _=None):
            # Sanic's handlers are in place and requests are answered; its main loop is not
            # running yet
            os.kill(os.getpid(), signal.SIGTERM)
        """,
    )
    assert result.returncode == 0, result.stderr
    assert "stopping: a stop received while starting" in result.stderr
    assert "Server Stopped" in result.stderr


SLOW_START_AFTER_SERVING = """
import sys, time
from appliance import cli
from appliance.platform.jobs import Jobs
from appliance.platform.store import Store

slow = sys.argv[3]
if slow == "analytics-warm-up":
    open_engine = Store.open_engine

    def slow_open_engine(self):
        time.sleep(2)
        open_engine(self)

    Store.open_engine = slow_open_engine
else:
    load = Jobs.load
    Jobs.load = staticmethod(lambda: (time.sleep(2), load()))
sys.exit(cli.main(["serve", "--port", sys.argv[1], "--data-dir", sys.argv[2]]))
"""


@pytest.mark.parametrize("slow", ["analytics-warm-up", "jobs-start"])
def test_sigterm_while_the_work_after_serving_runs_stops_cleanly(tmp_path: Path, slow: str) -> None:
    # The store's SQL side and the scheduler load in the background once the server answers:
    # a SIGTERM right after the first /healthz lands while they run. Awaited by an after-start
    # listener, the jobs start made the server exit with status 1 ("Event loop stopped before
    # Future completed") in 17 of 20 binary runs; as tasks (platform/lifecycle.py) the stop is
    # clean.
    script = tmp_path / "slow_start_after_serving.py"
    script.write_text(SLOW_START_AFTER_SERVING)
    port = free_port()
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, str(script), str(port), str(tmp_path / "data"), slow],
            cwd=ROOT,
            env={**os.environ, "SPARKHOUSE_LOG_LEVEL": "INFO"},
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    server = RunningServer(process, port, tmp_path / "data", log_path)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert process.poll() is None, server.log()
            try:
                if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.01)
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=15)
    finally:
        if process.poll() is None:
            server.stop(signal.SIGKILL)
    assert code == 0, server.log()
    assert "Server Stopped" in server.log()


def test_no_sqlalchemy_duckdb_or_apscheduler_before_serving(tmp_path: Path) -> None:
    # ~0.3 s, ~0.1 s and ~0.04 s of imports on the way to the first answer: the store's SQL
    # side loads right after the start (analytics._warm_up), DuckDB at its first use
    # (warehouse/database.py), APScheduler as the jobs start once serving (platform/jobs.py).
    # httpx only for a Piston server (arena/execution/service.py): it imports rich, click
    # and pygments with it, ~7 MB of idle memory.
    result = serve_with_a_last_listener(
        tmp_path,
        """
        @app.before_server_start  # registered last: runs after every other start-up listener
        async def report(app, _=None):
            heavy = ("sqlalchemy", "duckdb", "apscheduler", "httpx", "rich")
            loaded = sorted(m for m in sys.modules if m.split(".")[0] in heavy)
            print("LOADED BEFORE SERVING:", loaded[:3], flush=True)
            os.kill(os.getpid(), signal.SIGTERM)
        """,
    )
    assert result.returncode == 0, result.stderr
    assert "LOADED BEFORE SERVING: []" in result.stdout, result.stdout + result.stderr

"""The part contract (appliance/platform/parts.py): the composed settings hold one section per
part, a part's import stays light, and a real server runs every part's lifecycle in the one
documented order."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

from appliance.platform.settings import PlatformSettings
from appliance.registry import PARTS
from appliance.settings import Settings
from tests.support.harness import ROOT, ServerProcess, free_port, spawn, wait_until_healthy


def test_the_composed_settings_hold_the_platform_sections_and_one_per_part() -> None:
    platform = set(PlatformSettings.model_fields)
    parts = {part.info.name: part.settings for part in PARTS}
    assert set(Settings.model_fields) == platform | set(parts)
    for name, section in parts.items():
        assert Settings.model_fields[name].annotation is section, name
    settings = Settings()
    for part in PARTS:
        assert isinstance(part.section(settings), part.settings)


def test_parts_have_distinct_names_paths_and_public_paths() -> None:
    names = [part.info.name for part in PARTS]
    paths = [part.info.path for part in PARTS]
    public = [path for part in PARTS for path in part.public_paths]
    assert len(set(names)) == len(names)
    assert len(set(paths)) == len(paths)
    assert len(set(public)) == len(public)
    assert all(path.startswith("/") and not path.startswith("/api/") for path in public)


def test_importing_every_part_loads_no_server_database_or_scheduler() -> None:
    # The CLI imports every part to collect its commands: `sparkhouse version` must not pay
    # for Sanic, SQLAlchemy, DuckDB or APScheduler.
    heavy = ("sanic", "sqlalchemy", "duckdb", "apscheduler", "alembic", "maxminddb")
    probe = (
        "import sys, appliance.registry\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy!r})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


# Two probe parts appended to the real ones; each records its steps in a file.
LIFECYCLE_SERVER = """
import sys
from dataclasses import replace
from pathlib import Path

from appliance import registry
from appliance.platform.parts import Part, PartInfo
from appliance.platform.settings import SettingsSection

LOG = Path(sys.argv[3])

def record(step):
    with LOG.open("a") as log:
        log.write(step + "\\n")

def probe(name):
    async def start(context):
        record(f"start {name}")

    async def serving(context):
        record(f"serving {name}")

    async def stop(context):
        record(f"stop {name}")

    def jobs(context, jobs):
        record(f"jobs {name}")

    return Part(
        info=PartInfo(name=name, title=name, path=f"/{name}", description=name),
        settings=SettingsSection,
        build=lambda platform, settings: record(f"build {name}") or name,
        jobs=jobs,
        start=start,
        serving=serving,
        stop=stop,
    )

registry.PARTS = (*registry.PARTS, probe("first"), probe("second"))

from appliance.settings import load_settings

# The composed settings have no section for the probes: they get an empty one.
Part.section = lambda self, settings: getattr(settings, self.info.name, None) or SettingsSection()

from appliance.server import create_app

settings = load_settings(port=int(sys.argv[1]), data_dir=sys.argv[2])
app = create_app(settings)
store = app.ctx.platform.store
original_start, original_stop = store.start, store.stop

async def start_store():
    record("store start")
    await original_start()

async def stop_store():
    await original_stop()
    record("store stop")

store.start, store.stop = start_store, stop_store
app.run(host="127.0.0.1", port=int(sys.argv[1]), single_process=True, access_log=False)
"""


SERVING = ("serving first", "serving second")


@dataclass
class ProbeServer(ServerProcess):
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path


def test_a_real_server_runs_the_lifecycle_in_one_order(tmp_path: Path) -> None:
    script = tmp_path / "lifecycle_server.py"
    script.write_text(textwrap.dedent(LIFECYCLE_SERVER))
    steps = tmp_path / "steps.txt"
    port = free_port()
    command = [sys.executable, str(script), str(port), str(tmp_path / "data"), str(steps)]
    server = ProbeServer(spawn(command, tmp_path / "server.log"), port, tmp_path / "server.log")
    try:
        wait_until_healthy(server, f"{server.url}/healthz", timeout=30)
        for _ in range(100):  # the warm-ups run in the background once serving
            if all(step in steps.read_text() for step in SERVING):
                break
            time.sleep(0.05)
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=20) == 0, server.log()
    finally:
        if server.process.poll() is None:
            server.stop(signal.SIGKILL)
    recorded = steps.read_text().split("\n")[:-1]
    assert recorded[:4] == ["build first", "build second", "jobs first", "jobs second"]
    starting = [step for step in recorded if step.startswith(("store start", "start "))]
    assert starting == ["store start", "start first", "start second"], recorded
    assert set(recorded[recorded.index("start second") + 1 :][:2]) == set(SERVING)
    assert recorded[-3:] == ["stop second", "stop first", "store stop"], recorded

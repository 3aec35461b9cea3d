"""packaging/sparkhouse.service: `systemd-analyze verify` (Debian's systemd), its hardening
score, and the data folder default under systemd ($STATE_DIRECTORY)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

UNIT = ROOT / "packaging" / "sparkhouse.service"
EXEC = "/usr/local/bin/sparkhouse"


def systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        pytest.skip("systemd-analyze is not installed (Debian: apt-get install systemd)")
    return found


def checkable_unit(tmp_path: Path) -> Path:
    """The unit with ExecStart pointing at an executable that exists here (verify checks it);
    every other line as shipped."""
    stand_in = ROOT / "dist" / "sparkhouse"
    binary = stand_in if stand_in.is_file() else Path(sys.executable)
    unit = tmp_path / "sparkhouse.service"
    unit.write_text(UNIT.read_text().replace(f"ExecStart={EXEC} ", f"ExecStart={binary} "))
    return unit


def directives() -> dict[str, str]:
    found = {}
    for line in UNIT.read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            found[key.strip()] = value.strip()
    return found


def test_the_unit_declares_what_the_issue_asks() -> None:
    unit = directives()
    assert unit["ExecStart"] == f"{EXEC} serve"
    assert unit["DynamicUser"] == "yes" and unit["StateDirectory"] == "sparkhouse"
    assert unit["ProtectSystem"] == "strict"
    assert unit["NoNewPrivileges"] == "yes" and unit["PrivateTmp"] == "yes"
    assert unit["Restart"] == "on-failure"
    assert unit["EnvironmentFile"] == "-/etc/sparkhouse/env"


def test_systemd_analyze_verify_is_clean(tmp_path: Path) -> None:
    answer = subprocess.run(
        [systemd_analyze(), "verify", "--man=no", str(checkable_unit(tmp_path))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    # verify exits 0 even for unknown keys or bad values: any message is a finding
    assert answer.returncode == 0 and not (answer.stdout + answer.stderr).strip(), (
        answer.stdout + answer.stderr
    )


def test_the_exposure_score_is_ok(tmp_path: Path) -> None:
    answer = subprocess.run(
        [systemd_analyze(), "security", "--offline=yes", str(checkable_unit(tmp_path))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    match = re.search(r"Overall exposure level for \S+: ([\d.]+) (\w+)", answer.stdout)
    assert match, answer.stdout + answer.stderr
    assert float(match[1]) <= 3.0, match[0]


def effective_data_dir(env: dict[str, str]) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SPARKHOUSE_", "STATE_"))}
    answer = subprocess.run(
        [sys.executable, "-m", "appliance", "config", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**clean, **env},
        timeout=60,
    )
    assert answer.returncode == 0, answer.stderr
    rows = json.loads(answer.stdout)
    return next(str(row["value"]) for row in rows if row["env"] == "SPARKHOUSE_DATA_DIR")


def test_the_data_folder_is_the_state_directory_under_systemd() -> None:
    assert effective_data_dir({}) == "data"
    state = {"STATE_DIRECTORY": "/var/lib/sparkhouse:/var/lib/other"}
    assert effective_data_dir(state) == "/var/lib/sparkhouse"
    assert effective_data_dir({**state, "SPARKHOUSE_DATA_DIR": "/srv/sh"}) == "/srv/sh"

"""Bench suite of the single-file binary (``make binary``): its size, the time from exec to a
healthy ``/healthz``, and its idle memory, each beside ``python -m appliance serve`` from the
source tree. A onedir build of the same spec (``SPARKHOUSE_ONEDIR=1``, into build/onedir) is
measured too, to show what the onefile's unpacking costs.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import (
    PYTHON,
    ROOT,
    Config,
    Row,
    Table,
    at_most,
    free_port,
    http_status,
    rss_bytes,
    settings_note,
)

TITLE = "Packaging: the single-file binary"
BINARY = ROOT / "dist" / "sparkhouse"
ONEDIR = ROOT / "build" / "onedir" / "sparkhouse-onedir" / "sparkhouse"
RUNS = 5
IDLE_SECONDS = 5.0
MB = 1_000_000
MIB = 1024 * 1024

# Targets of issue 7.
SIZE_MB = 40.0
START_SECONDS = 1.0
IDLE_RSS_MB = 90.0

HOW_MEASURED = f"""
**Size**: `dist/sparkhouse` as built by `make binary` (PyInstaller onefile, stripped, zlib;
every binary of 1 MB or more but libpython zstd -19 inside it, restored by the binary itself:
appliance/platform/frozen.py); the baseline column holds the payload it unpacks at every start
(uncompressed bytes of its archive, the zstd-packed files at their restored size).

**Start**: wall time from `Popen` of `<command> serve --port P --data-dir D` to the first 200
from `/healthz` (polled every 10 ms), median of {RUNS} runs; "first start" uses an empty data
dir (schema creation included), "restart" one that a previous run filled. The baseline is
`python -m appliance serve` from the source tree (warm `.pyc`); the variants' runs are
interleaved (onefile, source, onefile with `TMPDIR=/dev/shm`, onedir, then again).
"onefile unpack" is `sparkhouse version` of the onefile minus the onedir build's: the cost of
PyInstaller's unpacking into `$TMPDIR` plus the binary's zstd restore at boot (group
"start"; "zstd restore" rows: each group's time alone, in this process; DuckDB's module is
restored in a thread once the server serves).

**Idle RSS**: after {IDLE_SECONDS:.0f} s idle following the first healthy answer, VmRSS of
the server process plus, for the onefile, its bootloader parent (≈1 MB), median of the same
runs. MB = 10⁶ bytes.
"""


def _ensure_builds(config: Config) -> None:
    subprocess.run(["make", "-s", "binary"], cwd=ROOT, check=True)
    stale = not ONEDIR.exists() or ONEDIR.stat().st_mtime < BINARY.stat().st_mtime
    if stale and not config.quick:
        subprocess.run(
            [
                str(Path(PYTHON).parent / "pyinstaller"),
                "--noconfirm",
                "--log-level",
                "ERROR",
                "--distpath",
                str(ROOT / "build" / "onedir"),
                "--workpath",
                str(ROOT / "build" / "pyinstaller-onedir"),
                str(ROOT / "packaging" / "sparkhouse.spec"),
            ],
            cwd=ROOT,
            check=True,
            env={**os.environ, "SPARKHOUSE_ONEDIR": "1"},
        )


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def start_once(
    command: Sequence[str], data_dir: Path, idle: float, env: dict[str, str] | None = None
) -> tuple[float, float]:
    """Seconds from exec to healthy, and idle RSS in bytes (process + children)."""
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [*command, "serve", "--port", str(port), "--data-dir", str(data_dir)],
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while http_status(f"http://127.0.0.1:{port}/healthz", timeout=0.5) != 200:
            if process.poll() is not None:
                raise RuntimeError(f"{command[0]} exited with {process.returncode}")
            if time.perf_counter() - started > 60:
                raise RuntimeError(f"{command[0]} did not become healthy in 60 s")
            time.sleep(0.01)
        took = time.perf_counter() - started
        time.sleep(idle)
        rss = sum(rss_bytes(pid) or 0 for pid in [process.pid, *_children(process.pid)])
        return took, float(rss)
    finally:
        children = _children(process.pid)  # the onefile's Python process, under its bootloader
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            # a SIGKILL of the bootloader alone would leave the server running
            for pid in [*children, process.pid]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            process.wait()
            raise RuntimeError(f"{command[0]} did not stop within 15 s of SIGTERM") from None


@dataclass
class Variant:
    command: list[str]
    env: dict[str, str] = field(default_factory=dict)
    idle: bool = True  # measure idle RSS (costs IDLE_SECONDS per run)
    first: list[float] = field(default_factory=list)
    restart: list[float] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)

    def median(self, name: str) -> float:
        values: list[float] = getattr(self, name)
        return statistics.median(values) if values else math.nan


def measure(variants: dict[str, Variant], runs: int, idle: float) -> None:
    """First start (empty data dir), restart and idle RSS of every variant, runs interleaved
    so that a disturbance hits all of them alike."""
    for _ in range(runs):
        for variant in variants.values():
            folder = Path(tempfile.mkdtemp(prefix="sparkhouse-bench-pkg-"))
            try:
                wait = idle if variant.idle else 0.0
                took, memory = start_once(variant.command, folder / "data", wait, variant.env)
                variant.first.append(took)
                if variant.idle:
                    variant.rss.append(memory)
                took, _ = start_once(variant.command, folder / "data", 0.0, variant.env)
                variant.restart.append(took)
            finally:
                shutil.rmtree(folder, ignore_errors=True)


def version_seconds(command: Sequence[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([*command, "version"], check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def payload_bytes(binary: Path) -> int:
    """Bytes the binary puts in its unpack folder: its archive's entries, a zstd-packed
    extension module (``*.zst``, restored at boot) counted at its restored size."""
    import zstandard
    from PyInstaller.archive.readers import CArchiveReader  # type: ignore[import-untyped]

    reader = CArchiveReader(str(binary))
    total = 0
    for name, entry in reader.toc.items():
        if name.endswith(".zst"):
            total += zstandard.frame_content_size(reader.extract(name))
        else:
            total += int(entry[2])
    return total


def zstd_restore_seconds(binary: Path, runs: int) -> dict[str, float]:
    """Seconds to restore each group of the binary's zstd-packed files (zstd-packed.json):
    "start" at boot, before the imports; "later" (DuckDB's module) once it serves."""
    import json

    import zstandard
    from PyInstaller.archive.readers import CArchiveReader

    reader = CArchiveReader(str(binary))
    if "zstd-packed.json" not in reader.toc:
        return {}
    groups = json.loads(reader.extract("zstd-packed.json"))["groups"]
    seconds = {}
    with tempfile.TemporaryDirectory() as folder:
        for group, files in groups.items():
            packed = [reader.extract(f"{name}.zst") for name in files]
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                for n, data in enumerate(packed):
                    with (Path(folder) / f"{n}.so").open("wb") as out:
                        zstandard.ZstdDecompressor().copy_stream(
                            io.BytesIO(data), out, read_size=1 << 20, write_size=1 << 22
                        )
                times.append(time.perf_counter() - started)
            seconds[group] = statistics.median(times)
    return seconds


def run(config: Config) -> list[Table]:
    _ensure_builds(config)
    runs = 2 if config.quick else RUNS
    idle = 1.0 if config.quick else IDLE_SECONDS
    variants = {
        "onefile": Variant([str(BINARY)]),
        "python": Variant([PYTHON, "-m", "appliance"]),
        "tmpfs": Variant([str(BINARY)], env={"TMPDIR": "/dev/shm"}, idle=False),
    }
    if ONEDIR.exists():
        variants["onedir"] = Variant([str(ONEDIR)], idle=False)
    measure(variants, runs, idle)
    onefile, python = variants["onefile"], variants["python"]

    table = Table("Binary: size, start, memory", "python -m appliance serve from the source tree")
    size = BINARY.stat().st_size / MB
    table.add(
        Row(
            "binary size (baseline: unpacked payload)",
            size,
            "MB",
            baseline=payload_bytes(BINARY) / MB,
            target=f"< {SIZE_MB:.0f} MB",
            passed=size < SIZE_MB,
        )
    )
    for key, label in (("first", "first start"), ("restart", "restart")):
        value = onefile.median(key)
        table.add(
            Row(
                f"exec → healthy, {label} (median of {runs})",
                value,
                "s",
                baseline=python.median(key),
                target=f"< {START_SECONDS:.0f} s",
                passed=value < START_SECONDS,
                digits=2,
            )
        )
    rss = onefile.median("rss") / MB
    table.add(
        Row(
            "idle RSS",
            rss,
            "MB",
            baseline=python.median("rss") / MB,
            target=f"≤ {IDLE_RSS_MB:.0f} MB",
            passed=at_most(rss, IDLE_RSS_MB),
        )
    )
    table.add(
        Row(
            "onefile unpacking into tmpfs (TMPDIR=/dev/shm): restart",
            variants["tmpfs"].median("restart"),
            "s",
            baseline=python.median("restart"),
            digits=2,
        )
    )
    if "onedir" in variants:
        onedir = variants["onedir"]
        for key, label in (("first", "first start"), ("restart", "restart")):
            table.add(
                Row(
                    f"onedir build: exec → healthy, {label}",
                    onedir.median(key),
                    "s",
                    baseline=python.median(key),
                    digits=2,
                )
            )
        unpack = version_seconds([str(BINARY)], runs) - version_seconds([str(ONEDIR)], runs)
        table.add(Row("onefile unpack (version: onefile − onedir)", unpack, "s", digits=2))
    restore = zstd_restore_seconds(BINARY, runs)
    labels = {
        "start": "zstd restore at boot (pydantic_core, libcrypto, uvloop…)",
        "later": "zstd restore of DuckDB's module (a thread, once serving)",
    }
    for group, seconds in restore.items():
        table.add(Row(labels.get(group, f"zstd restore, group {group}"), seconds, "s", digits=2))
    if ONEDIR.exists():
        table.notes.append(
            f"onedir build (build/onedir, {_tree_bytes(ONEDIR.parent) / MB:.0f} MB folder) "
            "starts without unpacking; it is not a single file."
        )
    table.notes.append(f"TMPDIR for the onefile unpack: {tempfile.gettempdir()}")
    table.notes.append(
        settings_note([]) + " No access-log-off line: this load is start-ups, whose only "
        "requests are the /healthz polls."
    )
    return [table]


def _tree_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())

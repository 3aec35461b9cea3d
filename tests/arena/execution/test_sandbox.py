"""The bubblewrap sandbox, with the real bwrap: what programs can do and what they cannot.

Each limit is proven by a program that tries to break it. The settings are tightened (2 s
wall clock, 1 KiB output, 16 processes, 256 MiB) so the tests are quick.

The limits reach the program one of two ways (see sandbox.py): prlimit(2) on the sandbox
waiting on bwrap's block fd (a server that is not root, or root with CAP_SYS_RESOURCE), or
util-linux's prlimit inside the sandbox (root without it, as in most containers). Every test
of the ``sandbox`` fixture runs both ways. Where this machine's root may not set a nobody
sandbox's limits, the handshake runs with bwrap as this user (only how the limits are set
differs), so it is proven here too.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import re
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from appliance.arena.execution import ExecutorUnavailable, RunResult, Runtime
from appliance.arena.execution import sandbox as sandbox_module
from appliance.arena.execution.languages import LocalRuntime
from appliance.arena.execution.sandbox import SandboxExecutor
from appliance.arena.settings import ArenaSettings
from tests.support.harness import ROOT

SETTINGS = ArenaSettings(
    piston_url="",
    run_timeout_seconds=2,
    cpu_seconds=1,
    memory_mb=256,
    max_processes=16,
    output_limit_bytes=1024,
)


def executor(settings: ArenaSettings, limits: str) -> SandboxExecutor:
    """A sandbox whose limits are set by ``limits``: "prlimit" (the exec inside the sandbox)
    or "handshake" (prlimit(2) on the sandbox waiting on bwrap's block fd)."""
    made = SandboxExecutor(settings)
    if limits == "prlimit":
        made._handshake = False
    elif not made._handshake:
        # Root without CAP_SYS_RESOURCE may not set a nobody sandbox's limits; nobody may:
        # the same prlimit(2) on the same waiting sandbox, made by util-linux's prlimit
        # running as nobody instead of by the server.
        made._handshake = True
        made._limit = functools.partial(_limit_as_nobody, made)  # type: ignore[method-assign]
    return made


def _limit_as_nobody(made: SandboxExecutor, pid: int, local: LocalRuntime) -> None:
    flags = [f"--{name}={soft}:{hard}" for name, _, soft, hard in made.rlimits(local)]
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
    subprocess.run([*nobody, "prlimit", f"--pid={pid}", *flags], check=True, env={})


LIMITS = ["prlimit", "handshake"]


@pytest.fixture(scope="module", params=LIMITS)
async def sandbox(request: pytest.FixtureRequest) -> SandboxExecutor:
    made = executor(SETTINGS, request.param)
    await made.runtimes()
    return made


async def run(sandbox: SandboxExecutor, language: str, code: str, stdin: str = "") -> RunResult:
    runtime = next(r for r in await sandbox.runtimes() if r.language == language)
    return await sandbox.execute(runtime, code, stdin)


def nobody_processes() -> set[int]:
    """The pids of the user the sandbox runs code as (other runs' too: tests may run beside)."""
    out = subprocess.run(["ps", "-u", "65534", "-o", "pid="], capture_output=True, text=True)
    return {int(pid) for pid in out.stdout.split()}


async def test_runtimes_report_real_versions_and_pistons_aliases(sandbox: SandboxExecutor) -> None:
    runtimes = {r.language: r for r in await sandbox.runtimes()}
    assert set(runtimes) == {"python", "javascript", "bash"}
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout
    assert runtimes["javascript"].version == node.strip().lstrip("v")
    assert runtimes["javascript"].aliases == ["node-javascript", "node-js", "javascript", "js"]
    bash = subprocess.run(["bash", "--version"], capture_output=True, text=True).stdout
    assert runtimes["bash"].version in bash and runtimes["bash"].aliases == ["sh"]
    assert runtimes["python"].aliases == ["py", "py3", "python3"]
    assert re.fullmatch(r"3\.\d+\.\d+", runtimes["python"].version)


@pytest.mark.parametrize(
    ("language", "code"),
    [
        ("python", "print('Hello, World!')"),
        ("javascript", "console.log('Hello, World!')"),
        ("bash", "echo 'Hello, World!'"),
    ],
)
async def test_hello_world(sandbox: SandboxExecutor, language: str, code: str) -> None:
    result = await run(sandbox, language, code)
    assert result.run is not None
    assert (result.run.stdout, result.run.output, result.run.code) == (
        "Hello, World!\n",
        "Hello, World!\n",
        0,
    )
    assert result.wire()["run"]["signal"] is None  # type: ignore[index]


async def test_stdin_reaches_the_program(sandbox: SandboxExecutor) -> None:
    python = await run(sandbox, "python", "import sys\nprint(sys.stdin.read().upper())", "abc\n")
    assert python.run is not None and python.run.stdout == "ABC\n\n"
    bash = await run(sandbox, "bash", 'while read line; do echo "<$line>"; done', "a\nb\n")
    assert bash.run is not None and bash.run.stdout == "<a>\n<b>\n"


async def test_stdin_is_read_only(sandbox: SandboxExecutor) -> None:
    code = (
        "import os\n"
        "for attempt in (lambda: os.write(0, b'x'), lambda: open('/proc/self/fd/0', 'w')):\n"
        "    try:\n"
        "        attempt()\n"
        "        print('written')\n"
        "    except OSError:\n"
        "        print('refused')\n"
        "print(input())\n"
    )
    result = await run(sandbox, "python", code, "kept\n")
    assert result.run is not None and result.run.stdout == "refused\nrefused\nkept\n"


async def test_a_program_holds_only_its_own_streams(sandbox: SandboxExecutor) -> None:
    # Started together: no run's program file, stdin or pipes leak into another.
    code = "import os\nprint(sorted(os.listdir('/proc/self/fd')))"
    results = await asyncio.gather(*(run(sandbox, "python", code) for _ in range(4)))
    for result in results:
        assert result.run is not None
        assert set(eval(result.run.stdout)) <= {"0", "1", "2", "3"}  # 3: listdir's own


async def test_a_cancelled_run_is_killed(sandbox: SandboxExecutor) -> None:
    marker = f"sparkhouse-cancelled-{os.getpid()}"
    running = asyncio.create_task(run(sandbox, "bash", f"exec -a {marker} sleep 30"))
    deadline = time.monotonic() + 5
    while not _processes(marker) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert _processes(marker)
    running.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await running
    deadline = time.monotonic() + 3
    while _processes(marker) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert _processes(marker) == []


async def test_a_run_cancelled_while_it_starts_is_killed(sandbox: SandboxExecutor) -> None:
    # Killing bwrap alone here used to orphan a sandbox now and then, its program left
    # running (both mechanics): the stop kills the sandbox's pid 1 through a pidfd.
    marker = f"sparkhouse-cancelled-early-{os.getpid()}"
    runs = [
        asyncio.create_task(run(sandbox, "bash", f"exec -a {marker} sleep 30")) for _ in range(4)
    ]
    await asyncio.sleep(0)  # each is starting in a spawner thread
    for running in runs:
        running.cancel()
    await asyncio.gather(*runs, return_exceptions=True)
    # The starts go on in the spawner threads, each stopped as it ends (its sandbox killed
    # through its pid 1): a busy machine may take seconds. Settled = no program left and no
    # sandbox still held, after the starts had a second to begin their programs (checked
    # sooner, a program not yet started would pass); a leak would outlive the programs'
    # 30 s sleep, far past this.
    started = time.monotonic()

    def settled() -> bool:
        if time.monotonic() - started < 1 or sandbox_module._sandboxes:
            return False
        return not _processes(marker)

    while not settled() and time.monotonic() < started + 12:
        await asyncio.sleep(0.05)
    assert _processes(marker) == []
    assert not sandbox_module._sandboxes  # every pidfd of a sandbox closed with its run


async def test_output_interleaves_stdout_and_stderr_in_order(sandbox: SandboxExecutor) -> None:
    code = "echo one; sleep 0.05; echo two >&2; sleep 0.05; echo three"
    result = await run(sandbox, "bash", code)
    assert result.run is not None
    assert (result.run.stdout, result.run.stderr) == ("one\nthree\n", "two\n")
    assert result.run.output == "one\ntwo\nthree\n"


async def test_exit_codes_and_signals_are_reported(sandbox: SandboxExecutor) -> None:
    failed = await run(sandbox, "bash", "exit 3")
    assert failed.run is not None and (failed.run.code, failed.run.signal) == (3, None)
    killed = await run(sandbox, "bash", "kill -9 $$")
    assert killed.run is not None and (killed.run.code, killed.run.signal) == (None, "SIGKILL")


async def test_an_endless_loop_is_killed_by_the_wall_clock(sandbox: SandboxExecutor) -> None:
    # It sleeps, so only the wall clock can end it (no CPU time is spent).
    started = time.monotonic()
    result = await run(sandbox, "bash", "while :; do sleep 1; done")
    assert time.monotonic() - started < SETTINGS.run_timeout_seconds + 1
    assert result.run is not None
    assert (result.run.code, result.run.signal, result.run.status) == (None, "SIGKILL", "TO")


@pytest.mark.parametrize("limits", LIMITS)
async def test_a_cpu_burner_is_stopped_by_the_cpu_limit(limits: str) -> None:
    # A wall clock longer than the CPU limit: RLIMIT_CPU must end the run first.
    slow_clock = executor(SETTINGS.model_copy(update={"run_timeout_seconds": 10}), limits)
    started = time.monotonic()
    result = await run(slow_clock, "python", "while True: pass")
    assert time.monotonic() - started < 4
    assert result.run is not None and result.run.signal in {"SIGXCPU", "SIGKILL"}


async def test_a_fork_bomb_is_contained(sandbox: SandboxExecutor) -> None:
    before = nobody_processes()
    counter = (
        "import os, time\n"
        "n = 0\n"
        "try:\n"
        "    while True:\n"
        "        if os.fork() == 0:\n"
        "            time.sleep(30); os._exit(0)\n"
        "        n += 1\n"
        "except OSError as error:\n"
        "    print(n, error.errno)\n"
    )
    # Each call waits for the pair it forked, so the tree stays up and grows to the limit
    # (the classic `:(){ :|:& };:` lets each level exit at once: on a busy machine the
    # whole bomb could end before it reached the limit, and did).
    bomb = ":(){ :|:& wait; };:"
    hello = "print('still fine')"
    counted, bombed, other = await asyncio.gather(
        run(sandbox, "python", counter),
        run(sandbox, "bash", bomb),
        run(sandbox, "python", hello),
    )
    assert counted.run is not None
    forks, errno = map(int, counted.run.stdout.split())
    assert forks < SETTINGS.max_processes and errno == 11  # EAGAIN: the limit, not memory
    assert bombed.run is not None  # ended by itself or by the wall clock, and it hit the limit
    assert bombed.run.signal == "SIGKILL" or "Resource temporarily unavailable" in bombed.run.stderr
    assert other.run is not None and other.run.stdout == "still fine\n"
    # Every process of the bombs is gone with its sandbox: of the ones alive as the runs
    # answered, none that was not there before is left a moment later (a busy machine's kill
    # takes a while; a process another run started since is not the bombs').
    suspects = nobody_processes() - before
    deadline = time.monotonic() + 10
    while suspects & nobody_processes() and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert not suspects & nobody_processes()
    after = await run(sandbox, "bash", "echo ok")
    assert after.run is not None and after.run.stdout == "ok\n"


async def test_a_2gb_allocation_fails(sandbox: SandboxExecutor) -> None:
    python = await run(sandbox, "python", "b = bytearray(2 * 1024**3)\nprint('allocated')")
    assert python.run is not None and "allocated" not in python.run.stdout
    assert "MemoryError" in python.run.stderr or python.run.signal is not None
    node = await run(
        sandbox, "javascript", "const b = Buffer.alloc(2 * 1024 ** 3, 1); console.log('allocated')"
    )
    assert node.run is not None and "allocated" not in node.run.stdout
    assert node.run.code != 0 or node.run.signal is not None


async def test_there_is_no_network(sandbox: SandboxExecutor) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    code = (
        "import socket\n"
        f"for address in [('127.0.0.1', {port}), ('1.1.1.1', 53)]:\n"
        "    try:\n"
        "        socket.create_connection(address, timeout=1)\n"
        "        print('connected', address)\n"
        "    except OSError as error:\n"
        "        print('refused', error.errno)\n"
    )
    try:
        result = await run(sandbox, "python", code)
    finally:
        listener.close()
    assert result.run is not None
    assert "connected" not in result.run.stdout
    assert result.run.stdout.count("refused") == 2


async def test_only_tmp_is_writable(sandbox: SandboxExecutor) -> None:
    code = (
        "for path in ['/usr/x', '/x', '/box/x', '/dev/x', '/etc/x', '/proc/x', '/tmp/x']:\n"
        "    try:\n"
        "        open(path, 'w').write('data')\n"
        "        print(path, 'written')\n"
        "    except OSError:\n"
        "        print(path, 'refused')\n"
    )
    result = await run(sandbox, "python", code)
    assert result.run is not None
    lines = result.run.stdout.splitlines()
    assert lines[-1] == "/tmp/x written"
    assert all(line.endswith("refused") for line in lines[:-1]), lines


async def test_the_tmp_space_is_bounded(sandbox: SandboxExecutor) -> None:
    code = "with open('/tmp/big', 'wb') as f:\n    f.write(b'x' * (200 * 1024**2))\nprint('wrote')"
    result = await run(sandbox, "python", code)
    assert result.run is not None and "wrote" not in result.run.stdout


async def test_the_host_files_are_not_visible(sandbox: SandboxExecutor, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "sparkhouse.db").write_text("secret")
    secrets = [
        str(ROOT),
        str(ROOT / "README.md"),
        str(data_dir / "sparkhouse.db"),
        "/root/.bashrc",
        "/home",
        "/etc/passwd",
        "/etc/shadow",
        "/var",
        "/work",
    ]
    code = (
        f"import os\nfor path in {secrets!r}:\n    print(path, os.path.exists(path))\n"
        "print(sorted(os.listdir('/')))\n"
    )
    result = await run(sandbox, "python", code)
    assert result.run is not None
    lines = result.run.stdout.splitlines()
    assert lines[:-1] == [f"{path} False" for path in secrets]
    assert set(eval(lines[-1])) <= {
        "bin",
        "box",
        "dev",
        "etc",
        "lib",
        "lib32",
        "lib64",
        "libx32",
        "proc",
        "root",
        "sbin",
        "tmp",
        "usr",
    }


async def test_the_program_runs_as_an_unprivileged_user(sandbox: SandboxExecutor) -> None:
    marker = f"sparkhouse-uid-probe-{os.getpid()}"
    running = asyncio.create_task(
        run(sandbox, "bash", f"grep CapEff /proc/self/status; exec -a {marker} sleep 1")
    )
    host_uid = None
    for _ in range(100):  # find the sandboxed process from the host's side
        for status in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                if status.read_bytes().startswith(marker.encode()):
                    uids = (status.parent / "status").read_text().split("Uid:")[1].split()
                    host_uid = int(uids[0])
            except (OSError, IndexError):
                continue
        if host_uid is not None:
            break
        await asyncio.sleep(0.02)
    result = await running
    assert result.run is not None
    assert result.run.stdout.split() == ["CapEff:", "0000000000000000"]
    # Not root on the host (root is exempt from RLIMIT_NPROC): the server's own user, or
    # nobody when the server is root.
    assert host_uid == (65534 if os.geteuid() == 0 else os.geteuid())


async def test_an_output_flood_is_cut_and_killed(sandbox: SandboxExecutor) -> None:
    started = time.monotonic()
    result = await run(sandbox, "python", "while True: print('x' * 1000)")
    assert time.monotonic() - started < 1.5
    assert result.run is not None
    assert len(result.run.stdout) == SETTINGS.output_limit_bytes
    assert (result.run.signal, result.run.status, result.run.message) == (
        "SIGKILL",
        "OL",
        "stdout length exceeded",
    )
    errors = await run(sandbox, "bash", "yes oops >&2")
    assert errors.run is not None and len(errors.run.stderr) == SETTINGS.output_limit_bytes
    assert errors.run.status == "EL"


async def test_a_big_stdin_the_program_ignores_does_not_hang(sandbox: SandboxExecutor) -> None:
    result = await run(sandbox, "python", "print('done')", "x" * (4 * 1024 * 1024))
    assert result.run is not None and result.run.stdout == "done\n"


def test_it_works_on_uvloop_like_the_server() -> None:
    import uvloop

    async def main() -> RunResult:
        executor = SandboxExecutor(SETTINGS)
        python = next(r for r in await executor.runtimes() if r.language == "python")
        return await executor.execute(python, "print(6 * 7)", "")

    result = uvloop.run(main())
    assert result.run is not None and result.run.stdout == "42\n"


def _fake_tool(directory: Path, name: str, script: str) -> None:
    path = directory / name
    path.write_text("#!/bin/sh\n" + script + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


async def test_without_bwrap_it_refuses_and_says_what_to_do(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    executor = SandboxExecutor(SETTINGS)
    with pytest.raises(ExecutorUnavailable, match=r"install bubblewrap.*PISTON_URL") as refused:
        await executor.runtimes()
    # the container's way out (the image has no bwrap, and Docker no user namespaces)
    assert "docker compose --profile arena up -d" in refused.value.message
    with pytest.raises(ExecutorUnavailable):
        await executor.execute(Runtime(language="python", version="3"), "print(1)", "")


@pytest.fixture
def public_tmp() -> Iterator[Path]:
    """A directory the sandbox user (nobody, when the tests run as root) can read."""
    path = Path(tempfile.mkdtemp(prefix="fake-bwrap-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path)


async def test_a_bwrap_that_cannot_start_never_runs_code_unsandboxed(
    monkeypatch: pytest.MonkeyPatch, public_tmp: Path
) -> None:
    # What bwrap says in a default Docker container, where user namespaces are off.
    tmp_path = public_tmp
    _fake_tool(
        tmp_path, "bwrap", "echo 'bwrap: No permissions to creating new namespace' >&2; exit 1"
    )
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    executor = SandboxExecutor(SETTINGS)
    with pytest.raises(ExecutorUnavailable) as unavailable:
        await executor.runtimes()
    assert (
        "user namespaces" in unavailable.value.message and "PISTON_URL" in unavailable.value.message
    )
    assert "No permissions to creating new namespace" in unavailable.value.message


async def test_a_sandbox_whose_limits_cannot_be_set_never_runs() -> None:
    made = executor(SETTINGS, "handshake")
    bash = next(r for r in await made.runtimes() if r.language == "bash")
    marker = f"sparkhouse-unlimited-{os.getpid()}"

    def refused(*args: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    made._limit = refused  # type: ignore[method-assign]
    with pytest.raises(PermissionError):
        await made.execute(bash, f"exec -a {marker} sleep 5", "")
    await asyncio.sleep(0.3)
    assert _processes(marker) == []


async def test_a_refused_handshake_falls_back_to_prlimit(monkeypatch: pytest.MonkeyPatch) -> None:
    made = SandboxExecutor(SETTINGS)
    made._handshake = True

    def refused(*args: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(sandbox_module.resource, "prlimit", refused)
    python = next(r for r in await made.runtimes() if r.language == "python")
    assert not made._handshake
    result = await made.execute(python, "import resource\nprint(resource.getrlimit(6))", "")
    assert result.run is not None and result.run.stdout == "(16, 16)\n"  # RLIMIT_NPROC


def _processes(marker: str) -> list[Path]:
    """Processes whose command line starts with ``marker``."""
    return [
        path.parent
        for path in Path("/proc").glob("[0-9]*/cmdline")
        if _read(path).startswith(marker.encode())
    ]


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""

"""The built-in backend: runs a program in a bubblewrap (``bwrap``) sandbox on this machine.

What the sandbox allows, and why:

- Namespaces: every one bwrap has (user, pid, net, ipc, uts, cgroup), so no network at all
  (only a down loopback), no view of the host's processes, and no nested user namespaces.
- Files: read-only binds of /usr (with the /bin, /lib… links or directories beside it),
  /etc/ld.so.cache, and the install prefix of an interpreter outside /usr — never /, a home,
  the repository or the data dir. A fresh /proc and /dev, the program at /box/<file>
  (read-only), a size-limited private tmpfs at /tmp (the working directory and the only
  writable place), and / itself remounted read-only. The environment is cleared.
- User: uid 65534 inside a new user namespace. When the server runs as root, bwrap itself is
  started as uid 65534 (``setpriv``), so the program's processes belong to an unprivileged
  user on the host too: root is exempt from RLIMIT_NPROC, nobody is not.
- Limits, the same set either way: RLIMIT_NPROC (counted per user namespace, so per run, and
  not against the server user's own processes), RLIMIT_CPU, RLIMIT_AS (RLIMIT_DATA for node),
  RLIMIT_FSIZE, RLIMIT_NOFILE, no core files. They are set on the sandbox's first process
  before the program exists, so it and everything it forks inherit them:

  * by the server, with prlimit(2), while that process waits on bwrap's ``--block-fd``
    (bwrap names it on ``--info-fd``) — when the server is not root, or is root with
    CAP_SYS_RESOURCE (the kernel lets us lower a process's limits if it runs as our own user
    or we hold that capability over it). No exec at all. The waiting sandbox is never let go
    without its limits: on any failure it is killed first;
  * otherwise (root without CAP_SYS_RESOURCE, as in most containers; or the probe finds the
    call refused) by util-linux's ``prlimit`` inside the namespace, one exec before the
    interpreter.

  The limits cannot go on bwrap itself: RLIMIT_NPROC there would count every run (and, for a
  non-root server, its own threads) against one budget.
- Wall clock and output are ours: at ``run_timeout_seconds`` bwrap's process group is killed,
  and with it (--die-with-parent, pid namespace) every process of the run. Output past
  ``output_limit_bytes`` per stream is cut and the run killed, as Piston does. stdin is a
  sealed memfd (read to its end, never written), stdout and stderr are pipes read on the
  event loop, and the exit is seen through a pidfd.

Cost. A run is started by ``subprocess.Popen`` in a spawner thread: in C, with vfork, so its
cost does not grow with the server's memory (uvloop's own spawn forks the server: ≈ 20 ms at
300 MiB resident, on the event loop) and never with a preexec_fn (other threads exist). That
is why root drops to nobody with ``setpriv`` (one exec, ≈ 1 ms) rather than Popen's
``user=``/``group=``: on Python 3.11 those turn vfork into a full fork of the server. So per
run: bwrap alone (not root); setpriv + bwrap (root with CAP_SYS_RESOURCE); setpriv + bwrap +
prlimit (root without it). What remains is bwrap's own work (namespaces, mounts, the lazy
unmount of the old root), which every property above needs: with a trivial Python program
this is ≈ 1.4× the bare interpreter, ≈ 1.5× with both execs (bench/RESULTS.md, suite arena).
The sandbox is probed once; when it cannot start (no bwrap, user namespaces off as in a
default Docker container) every call raises ExecutorUnavailable saying how to fix it —
untrusted code never runs unsandboxed.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
import resource
import select
import shutil
import signal
import subprocess
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from appliance.arena.execution.executor import (
    ExecutorUnavailable,
    UnsupportedLanguage,
)
from appliance.arena.execution.languages import (
    SANDBOX_UID,
    LocalRuntime,
    discover,
)
from appliance.arena.execution.models import RunResult, Runtime, Stage
from appliance.arena.settings import ArenaSettings

log = logging.getLogger(__name__)

TMP_BYTES = 64 * 1024 * 1024  # the private /tmp, and the largest file a program may write
OPEN_FILES = 256
BOX = "/box"
KILL_GRACE_SECONDS = 2.0
SPAWN_THREADS = 4
HANDSHAKE_SECONDS = 5.0  # bwrap reports its sandbox's pid right after creating it
CAP_SYS_RESOURCE = 24  # how long a killed run may take to let go of its pipes
_TOP_LEVEL = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
SANDBOX_TMP = "/tmp"  # noqa: S108 - the run's own private tmpfs, not the host's /tmp
SANDBOX_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": SANDBOX_TMP, "LANG": "C.UTF-8"}
"""A program's whole environment."""
_FIX_IT = (
    "install bubblewrap (`make sandbox` or `apt-get install bubblewrap`) "
    "or set PISTON_URL to a Piston server (in a container without user namespaces, the "
    "only way: docker-compose.yml runs one with `docker compose --profile arena up -d`)"
)


@dataclass
class _Capture:
    """What one run wrote: each stream up to ``limit`` bytes, and both interleaved."""

    limit: int
    streams: dict[str, bytearray] = field(
        default_factory=lambda: {"stdout": bytearray(), "stderr": bytearray()}
    )
    output: bytearray = field(default_factory=bytearray)
    cut: str | None = None  # the first stream that went past the limit

    def add(self, name: str, data: bytes) -> bool:
        """Keep ``data``; False when the stream is past its limit (the rest is dropped)."""
        stream = self.streams[name]
        room = self.limit - len(stream)
        kept = data[: max(room, 0)]
        stream += kept
        self.output += kept
        if len(data) > room:
            self.cut = self.cut or name
            return False
        return True

    def text(self, name: str) -> str:
        data = self.output if name == "output" else self.streams[name]
        return data.decode("utf-8", errors="replace")


def _memfd(name: str, data: bytes, *, seal: bool = False) -> int:
    """An anonymous file holding ``data`` (close-on-exec: only pass_fds hands it on). The
    program is copied in by bwrap (--ro-bind-data); stdin is given to the run as is, sealed
    so that nothing can write to it."""
    fd = os.memfd_create(name, os.MFD_CLOEXEC | (os.MFD_ALLOW_SEALING if seal else 0))
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.lseek(fd, 0, os.SEEK_SET)
        if seal:
            seals = fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW
            fcntl.fcntl(fd, fcntl.F_ADD_SEALS, seals | fcntl.F_SEAL_WRITE)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"SIG{number}"


class SandboxExecutor:
    """Runs programs on this machine under bubblewrap; see the module docstring."""

    def __init__(self, settings: ArenaSettings) -> None:
        self.settings = settings
        self._lock = asyncio.Lock()
        self._runtimes: dict[str, LocalRuntime] | None = None
        self._failure: str | None = None
        self._bwrap = shutil.which("bwrap")
        self._prlimit = shutil.which("prlimit")
        self._setpriv = shutil.which("setpriv")
        # As root, bwrap runs as nobody (setpriv); the limits are set on the waiting sandbox
        # by prlimit(2) when the kernel lets us (see _may_limit_sandboxes), else by prlimit.
        self._as_nobody = os.geteuid() == 0
        self._handshake = _may_limit_sandboxes()
        # Runs start here, off the event loop (see spawn); a handful of threads is plenty.
        self._spawner = ThreadPoolExecutor(SPAWN_THREADS, thread_name_prefix="arena-sandbox")

    # -- start-up probe ---------------------------------------------------------------

    async def _ready(self) -> dict[str, LocalRuntime]:
        """The runtimes that work in the sandbox, found and probed once."""
        if self._runtimes is None and self._failure is None:
            async with self._lock:
                if self._runtimes is None and self._failure is None:
                    await self._probe()
        if self._failure is not None:
            raise ExecutorUnavailable(self._failure)
        assert self._runtimes is not None
        return self._runtimes

    async def _probe(self) -> None:
        if self._bwrap is None:
            self._failure = f"Code execution needs a sandbox and bwrap is not installed: {_FIX_IT}."
            return
        if (self._prlimit is None and not self._handshake) or (
            self._as_nobody and self._setpriv is None
        ):
            self._failure = (
                "Code execution needs util-linux's prlimit and setpriv next to bwrap "
                "(apt-get install util-linux), or set PISTON_URL to a Piston server."
            )
            return
        candidates = await discover()
        trials = await self._trials(candidates)
        if self._handshake and any(isinstance(trial, PermissionError) for trial in trials):
            # The kernel refused prlimit(2) on the sandbox after all (an LSM, say): the
            # trial programs are ours and harmless; every later run gets prlimit instead.
            log.info("arena sandbox: prlimit(2) refused, limits set by prlimit instead")
            self._handshake = False
            if self._prlimit is None:
                self._failure = (
                    "Code execution needs util-linux's prlimit (apt-get install util-linux)."
                )
                return
            trials = await self._trials(candidates)
        working: dict[str, LocalRuntime] = {}
        errors: list[str] = []
        for local, trial in zip(candidates, trials, strict=True):
            if isinstance(trial, RunResult) and trial.run is not None and trial.run.code == 0:
                working[local.runtime.language] = local
                continue
            reason = (
                trial.run.stderr.strip() if isinstance(trial, RunResult) and trial.run else trial
            )
            errors.append(str(reason))
            log.warning("arena sandbox: %s does not run in bwrap: %s", local.command[0], reason)
        if not working:
            detail = "; ".join(dict.fromkeys(errors)) or "no python, node or bash found"
            self._failure = (
                f"The bubblewrap sandbox cannot run programs here ({detail}). Unprivileged "
                "user namespaces are probably disabled (as in a default Docker container): "
                "allow them (e.g. sysctl kernel.unprivileged_userns_clone=1, or a container "
                "security profile that permits them), or set PISTON_URL to a Piston server."
            )
            log.warning("arena sandbox unavailable: %s", self._failure)
            return
        self._runtimes = working
        log.info("arena sandbox: %s", self.mechanics)

    async def _trials(self, candidates: list[LocalRuntime]) -> list[RunResult | BaseException]:
        return await asyncio.gather(
            *(self._run(local, _TRIAL[local.runtime.language], "") for local in candidates),
            return_exceptions=True,
        )

    @property
    def mechanics(self) -> str:
        """How a run starts on this machine, in words (settled by the probe)."""
        user = "bwrap as nobody (setpriv)" if self._as_nobody else "bwrap as the server's user"
        if self._handshake:
            return f"{user}, limits set by prlimit(2) on the waiting sandbox"
        return f"{user}, limits set by prlimit inside the sandbox"

    # -- Executor ----------------------------------------------------------------------

    async def runtimes(self) -> list[Runtime]:
        """The languages that ran in the sandbox at start-up."""
        return [local.runtime for local in (await self._ready()).values()]

    async def execute(self, runtime: Runtime, code: str, stdin: str) -> RunResult:
        """Run ``code`` under bwrap with the limits of the settings."""
        local = (await self._ready()).get(runtime.language)
        if local is None:
            raise UnsupportedLanguage(runtime.language)
        return await self._run(local, code, stdin)

    async def aclose(self) -> None:
        """Stop the spawner threads; every run cleans up after itself."""
        self._spawner.shutdown(wait=False)

    # -- one run -----------------------------------------------------------------------

    def rlimits(self, local: LocalRuntime) -> list[tuple[str, int, int, int]]:
        """The limits of one run: prlimit's name, the resource, soft and hard value."""
        s = self.settings
        memory = s.memory_mb * 1024 * 1024
        memory_resource = (
            resource.RLIMIT_AS if local.memory_rlimit == "as" else resource.RLIMIT_DATA
        )
        return [
            ("nproc", resource.RLIMIT_NPROC, s.max_processes, s.max_processes),
            (local.memory_rlimit, memory_resource, memory, memory),
            ("cpu", resource.RLIMIT_CPU, s.cpu_seconds, s.cpu_seconds + 1),
            ("fsize", resource.RLIMIT_FSIZE, TMP_BYTES, TMP_BYTES),
            ("nofile", resource.RLIMIT_NOFILE, OPEN_FILES, OPEN_FILES),
            ("core", resource.RLIMIT_CORE, 0, 0),
        ]

    def argv(
        self,
        local: LocalRuntime,
        code_fd: int,
        handshake: tuple[int, int] | None = None,
        *,
        info_fd: int | None = None,
    ) -> list[str]:
        """The whole command line of one run (public so a bench can time the same thing).

        With ``handshake`` (bwrap's info fd and block fd) the sandbox waits for its limits
        (see _start); without it, prlimit sets them inside the sandbox before the program,
        and bwrap reports its sandbox's pid on ``info_fd`` when given.
        """
        assert self._bwrap is not None
        argv: list[str] = []
        if self._as_nobody:
            assert self._setpriv is not None
            uid = str(SANDBOX_UID)
            argv += [self._setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--"]
        argv += [
            self._bwrap,
            "--unshare-all",
            "--unshare-user",
            "--disable-userns",
            "--uid", str(SANDBOX_UID),
            "--gid", str(SANDBOX_UID),
            "--cap-drop", "ALL",
            "--die-with-parent",
            "--new-session",
            "--hostname", "sandbox",
            "--clearenv",
        ]  # fmt: skip
        for name, value in SANDBOX_ENV.items():
            argv += ["--setenv", name, value]
        argv += ["--ro-bind", "/usr", "/usr"]
        for name in _TOP_LEVEL:
            host = f"/{name}"
            if os.path.islink(host):
                argv += ["--symlink", os.readlink(host), host]
            elif os.path.isdir(host):
                argv += ["--ro-bind", host, host]
        argv += ["--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache"]
        for path in local.binds:
            argv += ["--ro-bind", path, path]
        program = f"{BOX}/{local.filename}"
        if handshake is not None:
            argv += ["--info-fd", str(handshake[0]), "--block-fd", str(handshake[1])]
        elif info_fd is not None:
            argv += ["--info-fd", str(info_fd)]
        argv += [
            "--proc", "/proc",
            "--dev", "/dev",
            "--size", str(TMP_BYTES), "--perms", "1777", "--tmpfs", SANDBOX_TMP,
            "--perms", "0444", "--ro-bind-data", str(code_fd), program,
            "--remount-ro", "/dev",
            "--remount-ro", "/",
            "--chdir", SANDBOX_TMP,
            "--",
        ]  # fmt: skip
        if handshake is None:
            assert self._prlimit is not None
            limits = [f"--{name}={soft}:{hard}" for name, _, soft, hard in self.rlimits(local)]
            argv += [self._prlimit, *limits, "--"]
        return [*argv, *local.command, program]

    def _start(self, local: LocalRuntime, code: bytes, stdin: bytes) -> subprocess.Popen[bytes]:
        """Start one run (in a spawner thread): the program in a memfd bwrap copies in.

        bwrap reports the pid of its sandbox's first process on the info fd; a pidfd of it is
        kept with the run, so a run stopped early kills the whole sandbox (its pid 1: the pid
        namespace goes with it), not bwrap alone, which could orphan a sandbox whose
        --die-with-parent was not armed yet (a cancelled run's program was found alive).

        With the handshake, that process waits on the block fd, namespaces and mounts ready,
        before it starts the program. The limits are set on it with prlimit(2) and only then
        is it let go: the program and all it forks inherit them, with no prlimit exec. It
        cannot end while it waits, so its pid is not reused meanwhile. It is never let go
        without its limits: on any failure it is killed first.
        """
        code_fd = _memfd("program", code)
        info_r, info_w = os.pipe2(os.O_CLOEXEC)
        block_r, block_w = os.pipe2(os.O_CLOEXEC) if self._handshake else (-1, -1)
        handshake = (info_w, block_r) if self._handshake else None
        passed = (code_fd, info_w, block_r) if self._handshake else (code_fd, info_w)
        try:
            argv = self.argv(local, code_fd, handshake, info_fd=info_w)
            process = spawn(argv, stdin, pass_fds=passed)
        except BaseException:
            os.close(info_r)
            if block_w != -1:
                os.close(block_w)
            raise
        finally:
            for fd in passed:
                os.close(fd)
        try:
            pid = _sandbox_pid(info_r)
            if pid is not None:
                _remember_sandbox(process, pid)
        except BaseException:
            _stop(process)
            if block_w != -1:
                _held.append(block_w)  # a sandbox we cannot name must never be let go
            raise
        finally:
            os.close(info_r)
        if block_w == -1:
            return process
        if pid is None:  # bwrap ended before making the sandbox; its stderr says why
            os.close(block_w)
            return process
        try:
            self._limit(pid, local)
            os.write(block_w, b"\0")  # go
        except BaseException:
            _abandon(process, pid, block_w)
            _stop(process)
            raise
        os.close(block_w)
        return process

    def _stop_orphan(self, spawning: asyncio.Future[subprocess.Popen[bytes]]) -> None:
        if not spawning.cancelled() and spawning.exception() is None:
            self._spawner.submit(_stop, spawning.result())

    def _limit(self, pid: int, local: LocalRuntime) -> None:
        """Set the run's limits on the waiting sandbox ``pid``."""
        for _, which, soft, hard in self.rlimits(local):
            resource.prlimit(pid, which, (soft, hard))

    async def _run(self, local: LocalRuntime, code: str, stdin: str) -> RunResult:
        loop = asyncio.get_running_loop()
        spawning = loop.run_in_executor(
            self._spawner, self._start, local, code.encode(), stdin.encode()
        )
        try:
            process = await asyncio.shield(spawning)
        except asyncio.CancelledError:
            # The thread still starts the run: stop it then, it has no one to watch it.
            spawning.add_done_callback(self._stop_orphan)
            raise
        ended = await supervise(
            process,
            wall_seconds=self.settings.run_timeout_seconds,
            output_limit=self.settings.output_limit_bytes,
        )
        return RunResult(
            language=local.runtime.language,
            version=local.runtime.version,
            run=self._stage(ended),
        )

    def _stage(self, ended: Ended) -> Stage:
        capture, returncode, killed, timed_out = (
            ended.capture,
            ended.returncode,
            ended.killed,
            ended.timed_out,
        )
        code: int | None = returncode
        signal_name: str | None = None
        if killed:
            code, signal_name = None, "SIGKILL"
        elif returncode < 0:
            code, signal_name = None, _signal_name(-returncode)
        elif 128 < returncode <= 128 + 64:
            # bwrap reports a program killed by a signal as 128 + the signal's number.
            code, signal_name = None, _signal_name(returncode - 128)
        status: str | None = None
        message: str | None = None
        if timed_out:
            status, message = "TO", "Timeout"
        elif capture.cut is not None:
            status = "OL" if capture.cut == "stdout" else "EL"
            message = f"{capture.cut} length exceeded"
        elif signal_name == "SIGXCPU":
            status, message = "TO", "CPU time limit exceeded"
        elif signal_name is not None:
            status = "SG"
        elif code:
            status = "RE"
        return Stage(
            stdout=capture.text("stdout"),
            stderr=capture.text("stderr"),
            output=capture.text("output"),
            code=code,
            signal=signal_name,
            message=message,
            status=status,
        )


def _may_limit_sandboxes() -> bool:
    """Whether prlimit(2) may set the limits of a sandbox's first process: always when the
    server is not root (bwrap, and so the sandbox, runs as the server's own user); as root
    (bwrap runs as nobody) only with CAP_SYS_RESOURCE, which containers often drop."""
    if os.geteuid() != 0:
        return True
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("CapEff:"):
                return bool(int(line.split()[1], 16) >> CAP_SYS_RESOURCE & 1)
    except (OSError, ValueError, IndexError):
        pass
    return False


def _sandbox_pid(info_fd: int) -> int | None:
    """The pid (in our namespace) of the sandbox's first process, from bwrap's --info-fd
    JSON; None when bwrap closed it without one (it failed before making the sandbox)."""
    data = b""
    while b"}" not in data:
        ready, _, _ = select.select([info_fd], [], [], HANDSHAKE_SECONDS)
        if not ready:
            raise RuntimeError("bwrap did not report its sandbox")
        chunk = os.read(info_fd, 4096)
        if not chunk:
            break
        data += chunk
    if not data.strip():
        return None
    return int(json.loads(data)["child-pid"])


_sandboxes: weakref.WeakKeyDictionary[subprocess.Popen[bytes], int] = weakref.WeakKeyDictionary()
"""A pidfd of each run's sandbox pid 1, by its bwrap, until the run is over (a pidfd: a
signal through it never reaches another process that took the pid later)."""


def _remember_sandbox(process: subprocess.Popen[bytes], pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # already gone: nothing to kill
        _sandboxes[process] = os.pidfd_open(pid)


def _kill_sandbox(process: subprocess.Popen[bytes]) -> None:
    """Kill the sandbox of ``process`` (a bwrap) through its pid 1, and forget it."""
    pidfd = _sandboxes.pop(process, None)
    if pidfd is None:
        return
    try:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            signal.pidfd_send_signal(pidfd, signal.SIGKILL)
    finally:
        os.close(pidfd)


def _forget_sandbox(process: subprocess.Popen[bytes]) -> None:
    pidfd = _sandboxes.pop(process, None)
    if pidfd is not None:
        os.close(pidfd)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Kill a run just started and reap it (in a spawner thread: a cancelled or failed start):
    its sandbox first (see _start), then bwrap."""
    _kill_sandbox(process)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(KILL_GRACE_SECONDS)
    for pipe in (process.stdout, process.stderr):
        if pipe is not None:
            pipe.close()


_held: list[int] = []  # block fds of sandboxes that could not be killed: never closed


def _abandon(process: subprocess.Popen[bytes], pid: int, block_fd: int) -> None:
    """Kill a sandbox whose limits could not be set, before its block fd closes (closing it
    lets the sandbox go on). One that cannot be killed keeps waiting, its fd held open."""
    try:
        os.kill(pid, signal.SIGKILL)  # its pid 1: the whole pid namespace goes with it
    except ProcessLookupError:
        os.close(block_fd)
    except OSError:
        log.error(
            "arena sandbox: cannot kill sandbox %d (of bwrap %d); left waiting", pid, process.pid
        )
        _held.append(block_fd)
    else:
        os.close(block_fd)


@dataclass
class Ended:
    """How one supervised process ended: what it wrote, its exit status, and whether it was
    killed (output past the limit, or the wall clock) or timed out."""

    capture: _Capture
    returncode: int
    killed: bool
    timed_out: bool


def spawn(
    argv: list[str],
    stdin: bytes,
    *,
    pass_fds: tuple[int, ...] = (),
    env: dict[str, str] | None = None,
    cwd: str | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``argv`` the way every run starts (blocking: call it in a thread).

    stdin is a sealed memfd holding ``stdin`` (a file the program reads to its end and cannot
    write, so no feeder task and no blocked pipe), stdout and stderr are pipes, the process
    leads its own session (its group is killed as one), and the environment is ``env``
    (empty by default: bwrap sets the program's own). subprocess.Popen does all of this in C
    and, with no preexec_fn and no user/group change, with vfork: the cost does not grow with
    the server's memory, unlike a fork (uvloop's spawn forks; ≈ 20 ms at 300 MiB resident).
    """
    stdin_fd = _memfd("stdin", stdin, seal=True)
    try:
        return subprocess.Popen(  # noqa: S603 - our argv; the untrusted code is a file
            argv,
            stdin=stdin_fd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=pass_fds,
            start_new_session=True,
            env=env if env is not None else {},
            cwd=cwd,
        )
    finally:
        os.close(stdin_fd)


async def supervise(
    process: subprocess.Popen[bytes], *, wall_seconds: float, output_limit: int
) -> Ended:
    """Collect a spawned process's output on the event loop until it exits, killing its
    process group after ``wall_seconds`` or when a stream passes ``output_limit`` bytes.

    The pipes and a pidfd of the process are watched with ``add_reader``; the process is
    reaped only here (asyncio's and uvloop's child watchers wait for their own pids only).
    """
    loop = asyncio.get_running_loop()
    assert process.stdout is not None and process.stderr is not None
    capture = _Capture(output_limit)
    names = {process.stdout.fileno(): "stdout", process.stderr.fileno(): "stderr"}
    reading = set(names)
    pidfd = os.pidfd_open(process.pid)
    exited: asyncio.Future[None] = loop.create_future()
    drained: asyncio.Future[None] = loop.create_future()
    killed = False

    def kill() -> None:
        nonlocal killed
        killed = True
        if exited.done():
            return  # reaped: its pid may belong to another process by now
        _kill_sandbox(process)  # a run of this module's: its whole sandbox, see _start
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)

    def stop_reading(fd: int) -> None:
        loop.remove_reader(fd)
        reading.discard(fd)
        if not reading and not drained.done():
            drained.set_result(None)

    def readable(fd: int) -> None:
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            stop_reading(fd)
        elif not capture.add(names[fd], data):
            stop_reading(fd)
            kill()

    def reap() -> None:
        loop.remove_reader(pidfd)
        os.close(pidfd)
        process.poll()
        if not exited.done():
            exited.set_result(None)

    for fd in names:
        os.set_blocking(fd, False)
        loop.add_reader(fd, readable, fd)
    loop.add_reader(pidfd, reap)
    timed_out = False
    try:
        try:
            async with asyncio.timeout(wall_seconds):
                await asyncio.wait((drained, exited))  # unlike gather, never cancels them
        except TimeoutError:
            timed_out = True
        finally:
            # Cancelled or out of time: the process group goes; reap() still runs when
            # it has exited, whoever is waiting by then.
            if not exited.done():
                kill()
        if not exited.done():
            async with asyncio.timeout(KILL_GRACE_SECONDS):
                await asyncio.shield(exited)
    finally:
        for fd in list(reading):
            loop.remove_reader(fd)
        process.stdout.close()
        process.stderr.close()
        _forget_sandbox(process)
    assert process.returncode is not None
    return Ended(capture, process.returncode, killed, timed_out)


_TRIAL = {"python": "pass\n", "javascript": "0;\n", "bash": ":\n"}

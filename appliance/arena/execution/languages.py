"""The languages the built-in sandbox offers, found on this machine: Python (the appliance's
own interpreter), JavaScript (``node`` on PATH) and Bash, with their real versions and
Piston's names and aliases so a CodinCod client sees the same runtimes as from Piston."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import shutil
import stat
import sys
from dataclasses import dataclass
from typing import Literal

from appliance.arena.execution.models import Runtime

log = logging.getLogger(__name__)

SANDBOX_UID = 65534  # "nobody": the sandbox's user inside, and outside when we are root
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"


@dataclass(frozen=True)
class LocalRuntime:
    """How the sandbox runs one language: the interpreter's argv (the program file is added
    last), the file name the code gets, the host paths outside /usr the interpreter needs
    (bound read-only), and which rlimit caps its memory: the address space, except for
    node, whose V8 reserves gigabytes of address space up front and only touches what it
    uses, so its writable data is capped instead."""

    runtime: Runtime
    command: tuple[str, ...]
    filename: str
    binds: tuple[str, ...] = ()
    memory_rlimit: Literal["as", "data"] = "as"


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def reachable_by_sandbox(path: str) -> bool:
    """Whether the user bwrap runs as can reach ``path``: the server's own user, or
    "nobody" when the server is root (bwrap resolves bind sources as that user)."""
    if os.geteuid() != 0:
        return os.access(path, os.R_OK)
    parts = os.path.realpath(path).split("/")
    for depth in range(1, len(parts)):
        directory = "/".join(parts[:depth]) or "/"
        try:
            mode = os.stat(directory).st_mode
        except OSError:
            return False
        if not mode & stat.S_IXOTH:
            return False
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return bool(mode & stat.S_IROTH)


def _prefix_binds(executable: str, prefix: str | None = None) -> tuple[str, ...] | None:
    """The directories to bind for an interpreter outside /usr (its install prefix), or None
    when one of them must not or cannot be shown to the sandbox."""
    prefix = os.path.realpath(prefix or os.path.dirname(os.path.dirname(executable)))
    if _under(executable, "/usr") and _under(prefix, "/usr"):
        return ()
    cwd = os.path.realpath(os.getcwd())
    # Never the filesystem root, and never a directory holding the server's working
    # directory (the repository, the data dir): only an interpreter's own tree.
    if prefix == "/" or _under(cwd, prefix) or not reachable_by_sandbox(prefix):
        return None
    return (prefix,)


async def _version_output(*argv: str) -> str:
    """First line of ``argv``'s output (the interpreter's own, trusted: run unsandboxed)."""
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await asyncio.wait_for(process.communicate(), 10)
    except (OSError, TimeoutError):
        return ""
    return out.decode(errors="replace").strip()


def _own_python() -> tuple[str, tuple[str, ...]] | None:
    """The appliance's interpreter and its prefix, when the sandbox user can reach them."""
    if getattr(sys, "frozen", False):
        # A PyInstaller binary's sys.executable is the appliance itself, not an interpreter.
        return None
    executable = os.path.realpath(sys.executable)
    binds = _prefix_binds(executable, sys.base_prefix)
    if binds is None or not reachable_by_sandbox(executable):
        log.info("arena sandbox: %s is out of the sandbox user's reach", executable)
        return None
    return executable, binds


def _locate(name: str) -> tuple[str, tuple[str, ...]] | None:
    """``name`` and the prefix to bind for it: the first one on the server's PATH, then on
    the system's, that the sandbox user can reach (a shim in root's home will not do)."""
    for path in (None, SYSTEM_PATH):
        found = shutil.which(name, path=path)
        if found is None:
            continue
        executable = os.path.realpath(found)
        binds = _prefix_binds(executable)
        if binds is not None and reachable_by_sandbox(executable):
            return executable, binds
    return None


async def _python() -> LocalRuntime | None:
    aliases = ["py", "py3", "python3"]
    own = _own_python()
    if own is not None:
        version = "{}.{}.{}".format(*sys.version_info[:3])
        return LocalRuntime(
            Runtime(language="python", version=version, aliases=aliases),
            (own[0], "-I", "-B"),
            "main.py",
            own[1],
        )
    # Otherwise the machine's python3 (the appliance's cannot be bound, or it is frozen).
    found = _locate("python3")
    if found is None:
        return None
    match = re.search(r"Python (\d+\.\d+\.\d+)", await _version_output(found[0], "--version"))
    if match is None:
        return None
    return LocalRuntime(
        Runtime(language="python", version=match.group(1), aliases=aliases),
        (found[0], "-I", "-B"),
        "main.py",
        found[1],
    )


async def _javascript() -> LocalRuntime | None:
    found = _locate("node")
    if found is None:
        return None
    match = re.search(r"v?(\d+\.\d+\.\d+)", await _version_output(found[0], "--version"))
    if match is None:
        return None
    return LocalRuntime(
        Runtime(
            language="javascript",
            version=match.group(1),
            aliases=["node-javascript", "node-js", "javascript", "js"],
            runtime="node",
        ),
        (found[0],),
        "main.js",
        found[1],
        memory_rlimit="data",
    )


async def _bash() -> LocalRuntime | None:
    found = _locate("bash")
    if found is None:
        return None
    output = await _version_output(found[0], "--version")
    match = re.search(r"version (\d+\.\d+\.\d+)", output)
    if match is None:
        return None
    return LocalRuntime(
        Runtime(language="bash", version=match.group(1), aliases=["sh"]),
        (found[0],),
        "main.sh",
        found[1],
    )


async def discover() -> list[LocalRuntime]:
    """The languages this machine can offer, before the sandbox has tried them."""
    found = await asyncio.gather(_python(), _javascript(), _bash())
    return [runtime for runtime in found if runtime is not None]

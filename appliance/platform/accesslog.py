"""The access log: one JSON line per HTTP request, kept off the event loop.

A request costs the event loop one clock read and one ``deque.append`` of a tuple
(:meth:`AccessLog.add`): no logging machinery, no formatting, no I/O. A writer thread turns
what has gathered into lines every :data:`FLUSH_SECONDS` and writes them with one write and
one flush; :meth:`AccessLog.stop` (the server's shutdown, or the interpreter's exit) writes
the rest. A clean stop loses nothing; a crash loses at most the last :data:`FLUSH_SECONDS`.

The lines look like the other log lines (``cli._setup_logging``'s format), so the stream reads
as one log: ``2026-12-07 03:48:01,123 INFO sparkhouse.access: {"method":"POST",...}``. They
hold no address, user agent, query string or cookie: nothing that identifies a person.

Path segments that are credentials never reach it: a route declares which of its path
parameters are secrets (``ctx_secret_params=("share_id",)``) and the line shows
``/api/share/<share_id>/stats``. A path that matched no route (a 404, a 405) is redacted by the
same declarations, by the static prefix before each secret (:class:`Redaction`).
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable
from typing import IO, TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:  # a service may import secret_ref without Sanic
    from sanic import Request
    from sanic.response import BaseHTTPResponse

LOGGER = "sparkhouse.access"
FLUSH_SECONDS = 0.1
STOP_TIMEOUT_SECONDS = 5.0

Entry = tuple[float, float | None, str, str, str | None, int, int | None]
"""(perf_counter at the answer, at the request's start, method, path, route, status, bytes)"""


# -- redaction ------------------------------------------------------------------------------


def _parameter(segment: str) -> tuple[str, str] | None:
    """(name, type) of a route path segment ``<name:type>``; None for a literal segment."""
    if not (segment.startswith("<") and segment.endswith(">")):
        return None
    name, _, kind = segment[1:-1].partition(":")
    return name, kind


class Redaction:
    """Where the secret path segments of an app's routes are, worked out once at start.

    Each route with ``ctx_secret_params`` gets ``route.ctx.redact``: the indexes (in
    ``path.split("/")``) of its secret segments and their labels, or, when a multi-segment
    parameter (``<p:path>``) stands before a secret, the route's pattern as a fixed string. Paths
    that matched no route, or only a catch-all, go through :data:`prefixes` instead.
    """

    def __init__(self, routes: Iterable[Any]) -> None:
        prefixes: dict[str, tuple[int, str]] = {}
        for route in routes:
            route.ctx.redact = plan = self._plan(route)
            route.ctx.catch_all = any(
                (found := _parameter(segment)) is not None and found[1] == "path"
                for segment in route.path.split("/")
            )
            if isinstance(plan, tuple) and plan:
                index, label = plan[0]
                prefix = "/" + "/".join(route.path.split("/")[: index - 1]) + "/"
                if not any(_parameter(s) for s in prefix.split("/")):
                    prefixes.setdefault(prefix, (index, label))
        # Longest first: /api/rooms/<room_id> before a shorter prefix that would also match.
        self.prefixes = sorted(prefixes.items(), key=lambda item: -len(item[0]))

    @staticmethod
    def _plan(route: Any) -> tuple[tuple[int, str], ...] | str | None:
        secrets = frozenset(getattr(route.ctx, "secret_params", ()) or ())
        if not secrets:
            return None
        segments = route.path.split("/")
        found: list[tuple[int, str]] = []
        spans = False  # a multi-segment parameter: later indexes do not line up with the path
        for index, segment in enumerate(segments):
            parameter = _parameter(segment)
            if parameter is None:
                continue
            name, kind = parameter
            if name in secrets:
                if spans or kind == "path":
                    return "/" + "/".join(
                        f"<{p[0]}>" if (p := _parameter(s)) else s for s in segments
                    )
                found.append((index + 1, f"<{name}>"))  # + 1: the path's leading "/"
            spans = spans or kind == "path"
        missing = secrets - {label[1:-1] for _, label in found}
        if missing:
            raise ValueError(
                f"route {route.name} declares secret path parameters it does not have: "
                f"{', '.join(sorted(missing))}"
            )
        return tuple(found)

    def path(self, request: Request) -> str:
        """The request's path with every secret segment replaced by its parameter's name."""
        path: str = request.path
        route = request.route
        plan = getattr(route.ctx, "redact", None) if route is not None else None
        if plan is None:
            if route is None or getattr(route.ctx, "catch_all", True):
                return self._unrouted(path)
            return path
        if isinstance(plan, str):
            return plan
        segments = path.split("/")
        for index, label in plan:
            if index < len(segments):
                segments[index] = label
        return "/".join(segments)

    def _unrouted(self, path: str) -> str:
        for prefix, (index, label) in self.prefixes:
            if path.startswith(prefix):
                segments = path.split("/")
                segments[index] = label
                return "/".join(segments)
        return path


_REF_KEY = os.urandom(16)


def secret_ref(value: str) -> str:
    """A stand-in for a secret id in a log line: the same id gives the same reference for
    the life of the process, so its lines can be followed, and nothing gives the id back
    (keyed with a random per-process key: a guessable id cannot be found by hashing guesses)."""
    digest = hashlib.blake2b(value.encode(), key=_REF_KEY, digest_size=4).hexdigest()
    return f"#{digest}"


def loggable_path(request: Request) -> str:
    """The request's path as any log may show it (secret segments redacted)."""
    redaction: Redaction | None = getattr(request.app.ctx, "redaction", None)
    if redaction is None:  # before the server started: no route has been looked at yet
        redaction = request.app.ctx.redaction = Redaction(request.app.router.routes)
    return redaction.path(request)


# -- the writer -----------------------------------------------------------------------------


class AccessLog:
    """Gathers access entries on the event loop; a thread writes them in batches."""

    def __init__(
        self,
        stream: IO[str] | None = None,
        interval: float = FLUSH_SECONDS,
        name: str = LOGGER,
    ) -> None:
        self._pending: deque[Entry] = deque()
        self._stream = stream
        self._interval = interval
        self._prefix = f" INFO {name}: ".encode()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()  # one batch written at a time (thread, stop, exit)
        self._second = -1
        self._stamp = b""
        self.redaction: Redaction | None = None
        self.dropped = 0  # lines a failed write lost

    # on the event loop

    def add(self, request: Request, response: BaseHTTPResponse) -> None:
        """Queue the line of one answered request."""
        redaction = self.redaction
        route = request.route
        body = response.body
        self._pending.append(
            (
                time.perf_counter(),
                getattr(request.stream, "perft0", None),  # Sanic's own start of the handler
                request.method,
                redaction.path(request) if redaction is not None else request.path,
                route.name if route is not None else None,
                response.status,
                len(body) if body is not None else None,
            )
        )

    # the writer's side

    def start(self, redaction: Redaction | None = None) -> None:
        if redaction is not None:
            self.redaction = redaction
        if self._thread is not None:
            return
        if self._stream is None:
            self._stream = sys.stderr
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="access-log", daemon=True)
        self._thread.start()
        atexit.register(self.stop)  # a stop that never reached the shutdown listeners

    def stop(self) -> None:
        """Write everything gathered and end the thread; safe to call more than once."""
        self._stopping.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(STOP_TIMEOUT_SECONDS)
        self.flush()
        atexit.unregister(self.stop)

    def _run(self) -> None:
        while not self._stopping.wait(self._interval):
            self.flush()

    def flush(self) -> int:
        """Write the gathered lines now, in one write; how many."""
        with self._lock:
            pending = self._pending
            count = len(pending)
            if not count or self._stream is None:
                return 0
            # perf_counter → wall clock, once per batch
            offset = time.time() - time.perf_counter()
            line = self._line
            data = b"".join([line(pending.popleft(), offset) for _ in range(count)])
            try:
                buffer = getattr(self._stream, "buffer", None)
                if buffer is not None:
                    buffer.write(data)
                    buffer.flush()
                else:
                    self._stream.write(data.decode())
                    self._stream.flush()
            except (OSError, ValueError):  # a closed or full stream: keep serving
                self.dropped += count
            return count

    def _line(self, entry: Entry, offset: float) -> bytes:
        at, started, method, path, route, status, size = entry
        when = at + offset
        second = int(when)
        if second != self._second:
            self._second = second
            self._stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(second)).encode()
        record = {
            "method": method,
            "path": path,
            "route": route,
            "status": status,
            "bytes": size,
            "ms": round((at - started) * 1000, 2) if started is not None else None,
        }
        return b"%s,%03d%s%s\n" % (
            self._stamp,
            int((when - second) * 1000),
            self._prefix,
            orjson.dumps(record),
        )


def enabled(setting: bool) -> bool:
    """The access log is on when its setting is and its logger would show INFO lines (a log
    level of WARNING silences it, as it silences the other INFO lines)."""
    return setting and logging.getLogger(LOGGER).isEnabledFor(logging.INFO)

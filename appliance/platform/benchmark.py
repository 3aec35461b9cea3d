"""The baseline endpoint of ``make bench``, mounted only when SPARKHOUSE_BENCH_BASELINE is on.

``POST /bench/bare`` answers 202 with an empty JSON object and does nothing else. It runs in the
same process, behind the same platform middleware (security headers, access log, body limit) as
every real route, so ``bench/`` can report a route's throughput as a fraction of what Sanic
itself reaches on this machine in the same run.
"""

from __future__ import annotations

from sanic import Request, Sanic
from sanic.response import HTTPResponse

BARE_PATH = "/bench/bare"
_EMPTY = b"{}"


def install(app: Sanic) -> None:
    """Mount ``POST /bench/bare``."""

    @app.post(BARE_PATH, name="bench_bare")
    async def bench_bare(request: Request) -> HTTPResponse:
        return HTTPResponse(_EMPTY, status=202, content_type="application/json")

"""Work that starts once the server serves, off the path to its first answer.

An after-start listener must not await anything that takes time: Sanic installs its SIGTERM
handler before it runs them, and a stop landing while one awaits ends that run of the loop
before the listener finished ("Event loop stopped before Future completed": the server exits
with status 1 instead of shutting down). So such work runs as a task the listener only
creates, cancelled before the server stops. A plain asyncio task, not ``app.add_task``:
Sanic's shutdown spins forever on a task of its registry still pending once its loop stopped
(``Sanic.shutdown_tasks``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sanic import Sanic

log = logging.getLogger("sparkhouse")


def once_serving(app: Sanic, name: str, work: Callable[[], Awaitable[None]]) -> None:
    """Run ``work()`` in the background once the server serves; a failure is logged."""
    task_key = f"once_serving_{name.replace('-', '_')}"

    async def run() -> None:
        try:
            await work()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s failed", name)

    async def start(app: Sanic, _: Any = None) -> None:
        setattr(app.ctx, task_key, asyncio.get_running_loop().create_task(run(), name=name))

    async def cancel(app: Sanic, _: Any = None) -> None:
        task: asyncio.Task[None] | None = getattr(app.ctx, task_key, None)
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app.register_listener(start, "after_server_start")
    app.register_listener(cancel, "before_server_stop")

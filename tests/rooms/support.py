"""Helpers shared by the rooms tests."""

from __future__ import annotations

import asyncio
import functools
import uuid
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ParamSpec

P = ParamSpec("P")
ALLOWED_ORIGIN = "http://allowed.example"


def new_room_id(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def own_loop(test: Callable[P, Coroutine[Any, Any, None]]) -> Callable[P, None]:
    """Run an async test on a fresh event loop in a worker thread.

    The main thread's loop cannot be trusted: while the session's Playwright (sync API)
    browser fixture lives, it keeps a loop running there and pytest-asyncio refuses to run.
    """

    @functools.wraps(test)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        with ThreadPoolExecutor(1, thread_name_prefix="rooms-test") as pool:
            pool.submit(asyncio.run, test(*args, **kwargs)).result()

    return run

"""The Piston backend: a real Piston v2 server (``PISTON_URL``) runs the code, as on
CodinCod (contract §8). Its runtime list is reused for ``runtimes_cache_seconds`` instead of
being fetched on every call as CodinCod does, which spares Piston a request per execution."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from pydantic import ValidationError

from appliance.arena.execution.executor import ExecutorError, ExecutorUnavailable
from appliance.arena.execution.models import RunResult, Runtime
from appliance.arena.settings import ArenaSettings

# Piston's own limits are 3 s to run and 10 s to compile by default; a busy Piston queues.
EXECUTE_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
RUNTIMES_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


def _message(answer: Any, fallback: str) -> str:
    if isinstance(answer, dict) and isinstance(answer.get("message"), str):
        return answer["message"]
    return fallback


class PistonExecutor:
    """Talks to ``{piston_url}/api/v2``; one pooled httpx client for every call."""

    def __init__(self, settings: ArenaSettings, client: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self.base = settings.piston_url.rstrip("/") + "/api/v2"
        self._client = client or httpx.AsyncClient(
            timeout=EXECUTE_TIMEOUT,
            limits=httpx.Limits(max_connections=max(8, settings.execution_concurrency)),
        )
        self._cached: list[Runtime] | None = None
        self._cached_at = 0.0
        self._lock = asyncio.Lock()

    def _unavailable(self, why: str) -> ExecutorUnavailable:
        return ExecutorUnavailable(
            f"The Piston server at {self.settings.piston_url} {why}. Start it, fix PISTON_URL, "
            "or leave PISTON_URL empty to run code in the built-in bubblewrap sandbox."
        )

    def _fresh(self) -> bool:
        age = time.monotonic() - self._cached_at
        return self._cached is not None and age < self.settings.runtimes_cache_seconds

    async def runtimes(self) -> list[Runtime]:
        """``GET /runtimes``, reused while fresh; anything but a list is "unavailable"."""
        if self._fresh():
            assert self._cached is not None
            return self._cached
        async with self._lock:
            if self._fresh():
                assert self._cached is not None
                return self._cached
            try:
                response = await self._client.get(f"{self.base}/runtimes", timeout=RUNTIMES_TIMEOUT)
                answer = response.json()
            except httpx.HTTPError as error:
                raise self._unavailable(f"cannot be reached ({type(error).__name__})") from None
            except ValueError:
                raise self._unavailable("answered something that is not JSON") from None
            if not isinstance(answer, list):
                raise self._unavailable("did not answer a list of runtimes")
            runtimes: list[Runtime] = []
            for entry in answer:
                try:
                    runtimes.append(Runtime.model_validate(entry))
                except ValidationError:
                    continue  # one odd entry should not hide the others
            self._cached, self._cached_at = runtimes, time.monotonic()
            return runtimes

    async def execute(self, runtime: Runtime, code: str, stdin: str) -> RunResult:
        """``POST /execute`` with Piston's version of the language; a ``{message}`` or any
        answer without a run is an ExecutorError carrying Piston's message."""
        body = {
            "language": runtime.language,
            "version": runtime.version,
            "files": [{"content": code}],
            "stdin": stdin,
        }
        try:
            response = await self._client.post(f"{self.base}/execute", json=body)
        except httpx.TimeoutException:
            raise ExecutorError("Piston did not answer in time") from None
        except httpx.HTTPError as error:
            raise self._unavailable(f"cannot be reached ({type(error).__name__})") from None
        try:
            answer = response.json()
        except ValueError:
            raise ExecutorError(
                f"Piston answered {response.status_code} with a body that is not JSON"
            ) from None
        if response.is_error or not isinstance(answer, dict) or "run" not in answer:
            raise ExecutorError(_message(answer, f"Piston answered {response.status_code}"))
        try:
            return RunResult.model_validate(answer)
        except ValidationError:
            raise ExecutorError("Piston answered an execution result of unknown shape") from None

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

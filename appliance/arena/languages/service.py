"""The arena's programming languages, kept in step with the executor, and the one mapping of
execution failures to CodinCod's errors. No HTTP here.

The executor (``ExecutionService``: a Piston server or the built-in sandbox) decides which
languages exist; ``arena_languages`` gives each ``language:version`` it ever offered a stable
24-hex id (puzzles and submissions refer to it). The table is brought in step when the part
starts serving and whenever the list is read; both are cheap, since the executor reuses its
runtime list and the rows are rewritten only when that list changed.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from appliance.arena.errors import arena_error
from appliance.arena.execution import (
    ExecutionFailure,
    ExecutionService,
    ExecutorBusy,
    ExecutorError,
    ExecutorUnavailable,
    Runtime,
    UnsupportedLanguage,
)
from appliance.arena.languages.models import Language
from appliance.arena.languages.store import LanguageRepository
from appliance.arena.wire import is_id
from appliance.platform.clock import utc_now
from appliance.platform.errors import ServiceError

log = logging.getLogger(__name__)

UNSUPPORTED_MESSAGE = "At the moment we don't support this language."


def execution_refusal(failure: ExecutionFailure) -> ServiceError:
    """CodinCod's answer to an execution failure, for every route that runs code:

    - ExecutorUnavailable → 503 ``{error: "Code execution service is unavailable", message}``,
      the message saying what the operator should do;
    - ExecutorBusy → 503 ``{error: "Service unavailable", message, retryAfter}`` with a
      ``Retry-After`` header;
    - UnsupportedLanguage → 400 ``{error: "Unsupported language", message: "At the moment we
      don't support this language."}``;
    - ExecutorError (Piston answered an error) → 502 ``{error: "Piston error", message}``.
    """
    if isinstance(failure, ExecutorUnavailable):
        return arena_error(503, failure.message, error="Code execution service is unavailable")
    if isinstance(failure, ExecutorBusy):
        seconds = max(1, failure.retry_after_seconds)
        refusal = arena_error(
            503,
            f"Too many programs are waiting to run. Please try again in {seconds} seconds.",
            error="Service unavailable",
            retryAfter=seconds,
        )
        refusal.headers["Retry-After"] = str(seconds)
        return refusal
    if isinstance(failure, UnsupportedLanguage):
        return arena_error(400, UNSUPPORTED_MESSAGE, error="Unsupported language")
    if isinstance(failure, ExecutorError):
        return arena_error(502, failure.message or "Piston failed", error="Piston error")
    return arena_error(500, str(failure) or "Code execution failed", error="Execution error")


@contextmanager
def execution_refusals() -> Iterator[None]:
    """``with execution_refusals(): ...``: an execution failure inside is raised as
    :func:`execution_refusal`'s ServiceError."""
    try:
        yield
    except ExecutionFailure as failure:
        raise execution_refusal(failure) from None


_VERSION_PART = re.compile(r"\d+|[^\d.+\-_]+")


def version_key(version: str) -> tuple[tuple[int, int, str], ...]:
    """A sort key comparing versions part by part: numbers numerically ("3.12.1" > "3.9.0"),
    other parts as text and below a number; a version ends above a text part, so a
    pre-release sorts below its release ("3.12.0-rc1" < "3.12.0" < "3.12.0.1")."""
    parts = [
        (2, int(part), "") if part.isdigit() else (0, 0, part)
        for part in _VERSION_PART.findall(version)
    ]
    return (*parts, (1, 0, ""))


def sorted_languages(languages: Sequence[Language]) -> list[Language]:
    """Language ascending, then version descending (§3.8)."""
    by_version = sorted(languages, key=lambda item: version_key(item.version), reverse=True)
    return sorted(by_version, key=lambda item: item.language)


def _signature(runtimes: Sequence[Runtime]) -> tuple[tuple[str, str, tuple[str, ...], str], ...]:
    return tuple(
        (runtime.language, runtime.version, tuple(runtime.aliases), runtime.runtime or "")
        for runtime in runtimes
    )


class LanguageService:
    """The stored languages and which of them the executor offers now."""

    def __init__(self, store: LanguageRepository, execution: ExecutionService) -> None:
        self.store = store
        self.execution = execution
        self._lock = asyncio.Lock()
        self._signature: tuple[object, ...] | None = None
        self._installed: list[Language] = []

    async def sync(self) -> list[Language]:
        """Bring the table in step with the executor's runtimes; the installed languages,
        sorted. ExecutionFailure (ExecutorUnavailable) when the executor cannot say."""
        runtimes = await self.execution.runtimes()
        unique = list({(r.language, r.version): r for r in reversed(runtimes)}.values())[::-1]
        signature = _signature(unique)
        if signature == self._signature:
            return self._installed
        async with self._lock:
            if signature == self._signature:
                return self._installed
            stored = await self.store.upsert(unique, utc_now())
            offered = {(r.language, r.version) for r in unique}
            self._installed = sorted_languages([row for row in stored if row.key in offered])
            self._signature = signature
            return self._installed

    async def sync_quietly(self) -> None:
        """:meth:`sync` once serving starts: an executor that cannot answer yet is logged,
        not fatal (the list route answers 503 until it can)."""
        try:
            installed = await self.sync()
        except ExecutionFailure as failure:
            log.warning("arena languages: the executor offers none now: %s", failure)
            return
        log.info(
            "arena languages: %s",
            ", ".join(f"{item.language} {item.version}" for item in installed) or "none",
        )

    async def installed(self) -> list[Language]:
        """The languages whose ``language:version`` the executor offers now: language
        ascending, version descending. ExecutionFailure when the executor cannot say."""
        return list(await self.sync())

    async def by_id(self, language_id: str) -> Language | None:
        """A stored language (installed now or not); None for an unknown or malformed id."""
        if not is_id(language_id):
            return None
        for language in self._installed:
            if language.id == language_id:
                return language
        return await self.store.by_id(language_id)

    async def name_of(self, language_id: str) -> str | None:
        """The language name of a stored id (what the executor is asked to run), or None."""
        language = await self.by_id(language_id)
        return language.language if language else None

    async def by_name(self, name: str) -> Language | None:
        """The installed language a client's name or alias picks (the newest version when
        several are installed), or None. ExecutionFailure when the executor cannot say."""
        for language in await self.installed():
            if language.answers_to(name):
                return language
        return None

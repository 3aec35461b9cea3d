"""LanguageService and execution_refusal without a server: the version order, the mapping of
every execution failure to CodinCod's error, and syncing with the executor's runtimes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

import pytest

from appliance.arena.errors import render_arena_error
from appliance.arena.execution import (
    ExecutionService,
    ExecutorBusy,
    ExecutorError,
    ExecutorUnavailable,
    Runtime,
    UnsupportedLanguage,
)
from appliance.arena.languages.models import Language
from appliance.arena.languages.service import (
    LanguageService,
    execution_refusal,
    execution_refusals,
    sorted_languages,
    version_key,
)
from appliance.arena.languages.store import LanguageRepository
from appliance.platform.errors import ServiceError

NOW = datetime(2025, 10, 31, 21, 11, 22)


def test_versions_compare_numerically() -> None:
    versions = ["3.9.4", "3.12.0", "3.10.11", "10.0", "3.12.0-rc1", "2", "nightly"]
    ordered = sorted(versions, key=version_key, reverse=True)
    assert ordered == ["10.0", "3.12.0", "3.12.0-rc1", "3.10.11", "3.9.4", "2", "nightly"]
    assert version_key("3.12.0.1") > version_key("3.12.0") > version_key("3.12.0-rc1")


def test_languages_sort_by_name_then_newest_version() -> None:
    def lang(name: str, version: str) -> Language:
        return Language(f"{name}{version}", name, version, (), None, NOW, NOW)

    items = [lang("python", "3.9.1"), lang("bash", "5.2.0"), lang("python", "3.12.1")]
    assert [(item.language, item.version) for item in sorted_languages(items)] == [
        ("bash", "5.2.0"),
        ("python", "3.12.1"),
        ("python", "3.9.1"),
    ]


def body(refusal: ServiceError) -> dict[str, Any]:
    return render_arena_error(refusal)


def test_unavailable_is_503_with_the_operators_advice() -> None:
    refusal = execution_refusal(ExecutorUnavailable("Install bubblewrap or set PISTON_URL."))
    assert refusal.status == 503
    assert body(refusal) == {
        "error": "Code execution service is unavailable",
        "message": "Install bubblewrap or set PISTON_URL.",
    }


def test_busy_is_503_with_retry_after() -> None:
    refusal = execution_refusal(ExecutorBusy(4))
    assert refusal.status == 503
    assert refusal.headers == {"Retry-After": "4"}
    assert body(refusal) == {
        "error": "Service unavailable",
        "message": "Too many programs are waiting to run. Please try again in 4 seconds.",
        "retryAfter": 4,
    }


def test_unsupported_is_codincods_400() -> None:
    refusal = execution_refusal(UnsupportedLanguage("cobol"))
    assert refusal.status == 400
    assert body(refusal) == {
        "error": "Unsupported language",
        "message": "At the moment we don't support this language.",
    }


def test_a_piston_error_is_502() -> None:
    refusal = execution_refusal(ExecutorError("python-9 runtime is unknown"))
    assert refusal.status == 502
    assert body(refusal) == {"error": "Piston error", "message": "python-9 runtime is unknown"}


def test_the_context_manager_raises_the_refusal() -> None:
    with pytest.raises(ServiceError) as raised, execution_refusals():
        raise ExecutorBusy(2)
    assert raised.value.status == 503 and raised.value.headers["Retry-After"] == "2"
    with pytest.raises(KeyError), execution_refusals():
        raise KeyError("not an execution failure: left alone")


class Runtimes:
    """An ExecutionService's ``runtimes()`` and nothing else."""

    def __init__(self, runtimes: list[Runtime]) -> None:
        self.answer: list[Runtime] | Exception = runtimes

    async def runtimes(self) -> list[Runtime]:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


class Rows:
    """LanguageRepository in memory, counting its writes."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], Language] = {}
        self.upserts = 0
        self.lookups = 0

    async def all(self) -> list[Language]:
        return list(self.rows.values())

    async def by_id(self, language_id: str) -> Language | None:
        self.lookups += 1
        return next((row for row in self.rows.values() if row.id == language_id), None)

    async def upsert(self, runtimes: Sequence[Runtime], now: datetime) -> list[Language]:
        self.upserts += 1
        for number, runtime in enumerate(runtimes):
            key = (runtime.language, runtime.version)
            old = self.rows.get(key)
            self.rows[key] = Language(
                old.id if old else f"{len(self.rows) + number:024x}",
                runtime.language,
                runtime.version,
                tuple(runtime.aliases),
                runtime.runtime,
                old.created_at if old else now,
                now,
            )
        return list(self.rows.values())


def service(runtimes: list[Runtime]) -> tuple[LanguageService, Rows, Runtimes]:
    rows, executor = Rows(), Runtimes(runtimes)
    languages = LanguageService(cast(LanguageRepository, rows), cast(ExecutionService, executor))
    return languages, rows, executor


PY = Runtime(language="python", version="3.11.2", aliases=["py"])
PY_OLD = Runtime(language="python", version="3.9.0", aliases=["py"])
SH = Runtime(language="bash", version="5.2.15", aliases=["sh"])


async def test_installed_follows_the_executor_and_writes_only_on_change() -> None:
    languages, rows, executor = service([PY_OLD, PY, SH, PY])  # a duplicate is one language
    first = await languages.installed()
    assert [(item.language, item.version) for item in first] == [
        ("bash", "5.2.15"),
        ("python", "3.11.2"),
        ("python", "3.9.0"),
    ]
    assert await languages.installed() == first and rows.upserts == 1
    executor.answer = [PY, SH]
    second = await languages.installed()
    assert [item.id for item in second] == [first[0].id, first[1].id]
    assert rows.upserts == 2
    # a language no longer offered is still found by id; malformed ids never reach the store
    assert await languages.name_of(first[2].id) == "python"
    lookups = rows.lookups
    assert await languages.by_id("nope") is None and rows.lookups == lookups


async def test_by_name_picks_the_newest_installed_by_name_or_alias() -> None:
    languages, _, _ = service([PY_OLD, PY, SH])
    found = await languages.by_name("py")
    assert found is not None and found.version == "3.11.2"
    assert (await languages.by_name("sh")) is not None
    assert await languages.by_name("cobol") is None


async def test_sync_quietly_logs_an_unavailable_executor(caplog: pytest.LogCaptureFixture) -> None:
    languages, rows, executor = service([PY])
    executor.answer = ExecutorUnavailable("no sandbox here")
    await languages.sync_quietly()
    assert "no sandbox here" in caplog.text and rows.upserts == 0
    with pytest.raises(ExecutorUnavailable):
        await languages.installed()

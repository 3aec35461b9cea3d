"""The shapes of CodinCod's programming languages and of ``POST /execute``
(codincod-contract.md §3.6, §3.8)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from appliance.arena.wire import Wire

CODE_LIMIT = 64 * 1024
"""Bytes of code (UTF-8) ``POST /execute`` accepts; longer is a 400."""
TEST_LIMIT = 64 * 1024
"""Bytes of ``testInput`` and of ``testOutput``."""


@dataclass(frozen=True)
class Language:
    """A stored language: a runtime the executor offers (or once offered), under a stable id."""

    id: str
    language: str
    version: str
    aliases: tuple[str, ...]
    runtime: str | None
    created_at: datetime
    updated_at: datetime

    @property
    def key(self) -> tuple[str, str]:
        return self.language, self.version

    def answers_to(self, name: str) -> bool:
        """Whether a client's language name picks this language (its name or an alias)."""
        return self.language == name or name in self.aliases


class LanguageDto(Wire):
    """``{_id, language, version, aliases[], runtime?}``: ``runtime`` only when there is one."""

    id_: str = Field(alias="_id")
    language: str
    version: str
    aliases: list[str]
    runtime: str | None = None

    @classmethod
    def of(cls, language: Language) -> LanguageDto:
        return cls(
            id_=language.id,
            language=language.language,
            version=language.version,
            aliases=list(language.aliases),
            runtime=language.runtime,
        )

    def wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class LanguageList(BaseModel):
    """``GET /programming-language``."""

    languages: list[LanguageDto]


def _utf8_within(value: str, limit: int, what: str) -> str:
    if len(value.encode("utf-8", errors="surrogatepass")) > limit:
        raise ValueError(f"{what} must be at most {limit // 1024} KiB")
    return value


class ExecuteBody(BaseModel):
    """``POST /execute``: ``code`` (≥ 1 character, ≤ 64 KiB), ``language`` (a Piston language
    name or alias), and the single test: ``testInput`` (stdin) and ``testOutput`` (expected)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    code: str = Field(min_length=1, max_length=CODE_LIMIT)
    language: str = Field(min_length=1, max_length=64)
    test_input: str = Field("", alias="testInput", max_length=TEST_LIMIT)
    test_output: str = Field("", alias="testOutput", max_length=TEST_LIMIT)

    @field_validator("code")
    @classmethod
    def _code_size(cls, value: str) -> str:
        return _utf8_within(value, CODE_LIMIT, "code")

    @field_validator("test_input", "test_output")
    @classmethod
    def _test_size(cls, value: str) -> str:
        return _utf8_within(value, TEST_LIMIT, "a test")


class StageDto(BaseModel):
    """One stage of a run, as Piston sends it (stdout and stderr interleaved in ``output``)."""

    model_config = ConfigDict(extra="allow")

    stdout: str
    stderr: str
    output: str
    code: int | None
    signal: str | None


class PuzzleResultInformation(BaseModel):
    """The §8 judgement of the single test."""

    result: str = Field(description="success or error")
    successRate: float
    passed: int
    failed: int
    total: int


class ExecuteAnswer(BaseModel):
    """``POST /execute``: Piston's ``run`` (and ``compile`` for compiled languages) and the
    judgement; nothing is stored."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    run: StageDto | None = None
    compile_: StageDto | None = Field(None, alias="compile")
    puzzleResultInformation: PuzzleResultInformation

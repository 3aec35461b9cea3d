"""The shapes of CodinCod's submissions (codincod-contract.md §3.7, §3.2 activity, §6
Submission, §11.1): the body of ``POST /submission`` under either of its language keys, the
stored submission, and the answers built from it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)

from appliance.arena.accounts.models import UserDto
from appliance.arena.languages.models import LanguageDto
from appliance.arena.wire import IsoDate, Wire

CODE_LIMIT = 64 * 1024
"""Most bytes (UTF-8) of a submission's code."""

Outcome = Literal["success", "error", "unknown"]


def _language_wire(value: LanguageDto | str) -> dict[str, Any] | str:
    return value.wire() if isinstance(value, LanguageDto) else value


PopulatedLanguage = Annotated[
    LanguageDto, PlainSerializer(_language_wire, when_used="json", return_type=dict[str, Any])
]
"""A populated language, as ``GET /programming-language/:id`` sends it (``runtime`` only when
there is one)."""
LanguageRef = Annotated[
    LanguageDto | str,
    PlainSerializer(_language_wire, when_used="json", return_type=dict[str, Any] | str),
]
"""A language populated, or its bare id when it is no longer stored."""


def _reference(value: Any) -> Any:
    """A language given as its id, or as the language object (``{_id, ...}``) the frontend
    holds: its id either way."""
    if isinstance(value, dict):
        return value.get("_id")
    return value


class SubmissionBody(BaseModel):
    """``POST /submission``: ``{puzzleId, programmingLanguageId | programmingLanguage, code,
    userId?}``. The language key is either CodinCod's backend's (``programmingLanguageId``)
    or its frontend's (``programmingLanguage``, an id or the language object, §11.1).
    ``userId`` is optional: the owner is the token's user, and a body naming another user is
    refused by the service."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    puzzle_id: str = Field(alias="puzzleId", min_length=1, max_length=64)
    language_id: str | None = Field(None, alias="programmingLanguageId", max_length=64)
    language: str | None = Field(None, alias="programmingLanguage", max_length=64)
    code: str = Field(min_length=1)
    user_id: str | None = Field(None, alias="userId", max_length=64)

    @field_validator("language", mode="before")
    @classmethod
    def _language_reference(cls, value: Any) -> Any:
        return _reference(value)

    @field_validator("code")
    @classmethod
    def _code_size(cls, value: str) -> str:
        if len(value) > CODE_LIMIT // 4 and len(value.encode()) > CODE_LIMIT:
            raise ValueError(f"must be at most {CODE_LIMIT} bytes")
        return value

    @model_validator(mode="after")
    def _one_language(self) -> SubmissionBody:
        if not (self.language_id or self.language):
            raise ValueError("programmingLanguageId (or programmingLanguage) is required")
        return self

    @property
    def programming_language_id(self) -> str:
        """The language the body names (``programmingLanguageId`` first)."""
        return self.language_id or self.language or ""


class GameSubmissionBody(BaseModel):
    """``POST /submission/game`` (§3.7): link one's fresh submission to a game."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    game_id: str = Field(alias="gameId", min_length=1, max_length=64)
    submission_id: str = Field(alias="submissionId", min_length=1, max_length=64)
    user_id: str | None = Field(None, alias="userId", max_length=64)


@dataclass(frozen=True)
class Submission:
    """A stored submission (table ``arena_submissions``)."""

    id: str
    puzzle_id: str
    account_id: str
    language_id: str
    code: str
    result: Outcome
    success_rate: float
    passed: int
    failed: int
    total: int
    game_id: str | None
    created_at: datetime

    @property
    def code_length(self) -> int:
        return len(self.code)


class ResultDto(BaseModel):
    """A submission's result: CodinCod stores ``{result, successRate}``; the counts of §8
    come with it."""

    result: Outcome
    successRate: float
    passed: int
    failed: int
    total: int

    @classmethod
    def of(cls, submission: Submission) -> ResultDto:
        return cls(
            result=submission.result,
            successRate=submission.success_rate,
            passed=submission.passed,
            failed=submission.failed,
            total=submission.total,
        )


class SubmissionCreated(Wire):
    """``POST /submission``'s 201: CodinCod's documented answer (``submissionId``,
    ``puzzleId``, ``programmingLanguageId``, ``userId``, ``codeLength``) and the submission
    DTO its frontend expects (``_id``, ``puzzle``, ``user``, ``programmingLanguage``), in
    one (§3.7 DRIFT)."""

    submission_id: str = Field(alias="submissionId")
    id_: str = Field(alias="_id")
    code: str
    puzzle_id: str = Field(alias="puzzleId")
    puzzle: str
    programming_language_id: str = Field(alias="programmingLanguageId")
    programming_language: PopulatedLanguage = Field(alias="programmingLanguage")
    user_id: str = Field(alias="userId")
    user: str
    result: ResultDto
    created_at: IsoDate = Field(alias="createdAt")
    code_length: int = Field(alias="codeLength")

    @classmethod
    def of(cls, submission: Submission, language: LanguageDto) -> SubmissionCreated:
        return cls(
            submission_id=submission.id,
            id_=submission.id,
            code=submission.code,
            puzzle_id=submission.puzzle_id,
            puzzle=submission.puzzle_id,
            programming_language_id=submission.language_id,
            programming_language=language,
            user_id=submission.account_id,
            user=submission.account_id,
            result=ResultDto.of(submission),
            created_at=submission.created_at,
            code_length=submission.code_length,
        )


class SubmissionSummaryDto(Wire):
    """A submission without its code (a user's activity)."""

    id_: str = Field(alias="_id")
    puzzle: str
    user: str
    programming_language: LanguageRef = Field(alias="programmingLanguage")
    result: ResultDto
    created_at: IsoDate = Field(alias="createdAt")

    @classmethod
    def fields_of(cls, submission: Submission, language: LanguageDto | None) -> dict[str, Any]:
        return {
            "id_": submission.id,
            "puzzle": submission.puzzle_id,
            "user": submission.account_id,
            "programming_language": language or submission.language_id,
            "result": ResultDto.of(submission),
            "created_at": submission.created_at,
        }

    @classmethod
    def of(cls, submission: Submission, language: LanguageDto | None) -> SubmissionSummaryDto:
        return cls(**cls.fields_of(submission, language))


class SubmissionDto(SubmissionSummaryDto):
    """``GET /submission/:id``: the stored submission with its code, the language populated."""

    code: str
    code_length: int = Field(alias="codeLength")

    @classmethod
    def with_code(cls, submission: Submission, language: LanguageDto | None) -> SubmissionDto:
        return cls(
            **cls.fields_of(submission, language),
            code=submission.code,
            code_length=submission.code_length,
        )


class ActivityDto(BaseModel):
    puzzles: list[Any]
    """The user's approved puzzles, author populated (the puzzles context's DTO)."""
    submissions: list[SubmissionSummaryDto]


class UserActivity(BaseModel):
    """``GET /user/:username/activity``."""

    message: str
    user: UserDto
    activity: ActivityDto

"""The shapes of CodinCod's reports and moderation (codincod-contract.md §3.9, §3.10, §6 Report,
UserBan): what is stored, the bodies and queries of the routes, and the documents they answer;
and the audit log's entries (the plan's ``audit_logs``; CodinCod has none)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from appliance.arena.accounts.models import Ban
from appliance.arena.puzzles.models import PuzzleDto
from appliance.arena.wire import IsoDate, Wire

ProblemType = Literal["puzzle", "user", "comment", "game_chat"]
ReportStatus = Literal["pending", "resolved", "rejected"]
ReviewType = Literal[
    "pending_puzzle", "reported_puzzle", "reported_user", "reported_comment", "reported_game_chat"
]
REPORTED: dict[str, str] = {
    "reported_puzzle": "puzzle",
    "reported_user": "user",
    "reported_comment": "comment",
    "reported_game_chat": "game_chat",
}
"""The problem type each review queue of reports holds (explicit: CodinCod's dynamic
reference did not match its model names, §3.10 QUIRK)."""

EXPLANATION_MIN, EXPLANATION_MAX = 25, 1024
REASON_MIN, REASON_MAX = 10, 500
MAX_BAN = timedelta(days=100 * 365)
"""The longest temporary ban (a longer one is a permanent ban)."""
CONTEXT_MESSAGES = 5
"""Chat messages shown before and after a reported one."""


class Action:
    """The audit log's actions."""

    APPROVE = "puzzle.approve"
    REVISE = "puzzle.revise"
    RESOLVE = "report.resolve"
    REJECT = "report.reject"
    BAN_TEMPORARY = "user.ban.temporary"
    BAN_PERMANENT = "user.ban.permanent"
    BAN_ESCALATION = "user.ban.escalation"
    UNBAN = "user.unban"


# -- stored -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    id: str
    problematic_identifier: str
    problem_type: str
    reported_by_id: str
    explanation: str
    status: str
    resolved_by_id: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ChatLine:
    """A game's chat message as a review shows it."""

    id: str
    game_id: str
    account_id: str | None
    username: str
    message: str
    created_at: datetime


@dataclass(frozen=True)
class Target:
    """What a report is about, as found now: who is answerable for it (``offender_id``, for
    the escalation) and what a review shows of it."""

    offender_id: str | None
    title: str | None = None
    text: str | None = None
    game_id: str | None = None


@dataclass(frozen=True)
class ReviewRow:
    """One row of a review queue: a ready puzzle, or a pending report with its target."""

    id: str
    created_at: datetime
    title: str | None
    description: str | None
    author_name: str | None = None
    explanation: str | None = None
    reported_by: str | None = None
    game_id: str | None = None
    context: list[ChatLine] = field(default_factory=list)
    reported_message_id: str | None = None


@dataclass(frozen=True)
class AuditRow:
    id: str
    actor_id: str | None
    actor_name: str | None
    action: str
    target_type: str
    target_id: str
    details: dict[str, Any]
    created_at: datetime


# -- requests -----------------------------------------------------------------------------------

Id = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{24}$")]
Reason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=REASON_MIN, max_length=REASON_MAX)
]


class ReportBody(BaseModel):
    """``POST /report``: the id of what is reported, its type, and why — free text of 25–1024
    characters, spaces and all (CodinCod's pattern refused spaces: §3.9 QUIRK fixed)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    problematic_identifier: Id = Field(alias="problematicIdentifier")
    problem_type: ProblemType = Field(alias="problemType")
    explanation: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=EXPLANATION_MIN, max_length=EXPLANATION_MAX
        ),
    ]


class ReviewQuery(BaseModel):
    """``GET /moderation/review``: the queue (pending puzzles by default), ``page`` ≥ 1 (1),
    ``limit`` 1–100 (20)."""

    model_config = ConfigDict(extra="ignore")

    type: ReviewType = "pending_puzzle"
    page: int = Field(1, ge=1, le=1_000_000)
    limit: int = Field(20, ge=1, le=100)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit


class AuditQuery(BaseModel):
    """``GET /moderation/audit``: newest first, ``page`` ≥ 1 (1), ``limit`` 1–100 (20), of one
    target type (``puzzle``, ``report``, ``user``) and one target id when given."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    page: int = Field(1, ge=1, le=1_000_000)
    limit: int = Field(20, ge=1, le=100)
    target_type: Literal["puzzle", "report", "user"] | None = Field(None, alias="targetType")
    target_id: Id | None = Field(None, alias="targetId")
    action: str | None = Field(None, max_length=64)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit


class ReviseBody(BaseModel):
    """``POST /moderation/puzzle/:id/revise``: why it goes back, 10–500 characters."""

    model_config = ConfigDict(extra="ignore")

    reason: Reason


class ResolveBody(BaseModel):
    """``POST /moderation/report/:id/resolve``: upheld (``resolved``) or not (``rejected``)."""

    model_config = ConfigDict(extra="ignore")

    status: Literal["resolved", "rejected"]


class BanBody(BaseModel):
    """A ban or unban: the reason (10–500). ``userId`` is accepted and unused (the path names
    the user); CodinCod required it, its frontend never sends it (§3.10 DRIFT accepted)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    reason: Reason
    user_id: str | None = Field(None, alias="userId")


class TemporaryBanBody(BanBody):
    """A temporary ban: ``durationMs`` > 0 (CodinCod's API) or ``duration`` in days > 0 (its
    frontend's); ``durationMs`` wins when both come. At most 100 years."""

    duration_ms: int | None = Field(
        None, alias="durationMs", gt=0, le=int(MAX_BAN.total_seconds() * 1000)
    )
    duration: float | None = Field(None, gt=0, le=MAX_BAN.days)

    @model_validator(mode="after")
    def _some_duration(self) -> TemporaryBanBody:
        if self.duration_ms is None and self.duration is None:
            raise ValueError("durationMs (milliseconds) or duration (days) is required")
        return self

    @property
    def length(self) -> timedelta:
        if self.duration_ms is not None:
            return timedelta(milliseconds=self.duration_ms)
        return timedelta(days=self.duration or 0)


# -- answers ------------------------------------------------------------------------------------


class ReportDto(Wire):
    """A report as CodinCod stores it."""

    id_: str = Field(alias="_id")
    problematic_identifier: str = Field(alias="problematicIdentifier")
    problem_type: ProblemType = Field(alias="problemType")
    reported_by: str = Field(alias="reportedBy")
    explanation: str
    status: ReportStatus
    resolved_by: str | None = Field(None, alias="resolvedBy")
    created_at: IsoDate = Field(alias="createdAt")
    updated_at: IsoDate = Field(alias="updatedAt")

    @classmethod
    def of(cls, report: Report) -> ReportDto:
        return cls.model_validate(
            {
                "_id": report.id,
                "problematicIdentifier": report.problematic_identifier,
                "problemType": report.problem_type,
                "reportedBy": report.reported_by_id,
                "explanation": report.explanation,
                "status": report.status,
                "resolvedBy": report.resolved_by_id,
                "createdAt": report.created_at,
                "updatedAt": report.updated_at,
            }
        )

    def wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class ReportResolved(BaseModel):
    message: str
    report: ReportDto


class UserRef(Wire):
    id_: str = Field(alias="_id")
    username: str


class BanDto(Wire):
    """A ban (§6 UserBan): ``bannedBy`` an id, or populated ``{_id, username}`` in a history."""

    id_: str = Field(alias="_id")
    user_id: str = Field(alias="userId")
    banned_by: str | UserRef | None = Field(alias="bannedBy")
    ban_type: Literal["temporary", "permanent"] = Field(alias="banType")
    reason: str
    start_date: IsoDate = Field(alias="startDate")
    end_date: IsoDate | None = Field(None, alias="endDate")
    is_active: bool = Field(alias="isActive")
    created_at: IsoDate = Field(alias="createdAt")
    updated_at: IsoDate = Field(alias="updatedAt")

    @classmethod
    def of(cls, ban: Ban, *, populated: bool = False) -> BanDto:
        banned_by: str | UserRef | None = ban.banned_by_id
        if populated and ban.banned_by_id is not None and ban.banned_by_name is not None:
            banned_by = UserRef(id_=ban.banned_by_id, username=ban.banned_by_name)
        return cls(
            id_=ban.id,
            user_id=ban.account_id,
            banned_by=banned_by,
            ban_type=ban.ban_type,
            reason=ban.reason,
            start_date=ban.start_date,
            end_date=ban.end_date,
            is_active=ban.is_active,
            created_at=ban.created_at,
            updated_at=ban.updated_at,
        )

    def wire(self) -> dict[str, Any]:
        answer = self.model_dump(mode="json")
        if answer["endDate"] is None:
            del answer["endDate"]  # permanent bans have none (as CodinCod leaves it out)
        return answer


class Banned(BaseModel):
    message: str
    ban: BanDto


class BanHistory(BaseModel):
    bans: list[BanDto]


class ContextMessage(Wire):
    id_: str = Field(alias="_id")
    username: str
    message: str
    created_at: IsoDate = Field(alias="createdAt")
    is_reported: bool = Field(alias="isReported")


class ReviewItem(Wire):
    """An item of a review queue (§3.10): a ready puzzle (``authorName``) or a pending report
    (``reportExplanation``, ``reportedBy``; for game chat ``gameId`` and ``contextMessages``)."""

    id: str
    type: ReviewType
    title: str
    description: str | None = None
    created_at: IsoDate = Field(alias="createdAt")
    author_name: str | None = Field(None, alias="authorName")
    report_explanation: str | None = Field(None, alias="reportExplanation")
    reported_by: str | None = Field(None, alias="reportedBy")
    game_id: str | None = Field(None, alias="gameId")
    context_messages: list[ContextMessage] | None = Field(None, alias="contextMessages")


class Pagination(BaseModel):
    page: int
    limit: int
    total: int
    totalPages: int

    @classmethod
    def of(cls, page: int, limit: int, total: int) -> Pagination:
        return cls(page=page, limit=limit, total=total, totalPages=math.ceil(total / limit))


class ReviewPage(BaseModel):
    """``{data, pagination: {page, limit, total, totalPages}}``."""

    data: list[ReviewItem]
    pagination: Pagination


class AuditEntry(Wire):
    """One moderation action: who (``actor`` populated; null once the account is gone), what,
    on what, when, and its particulars (``details``)."""

    id_: str = Field(alias="_id")
    actor: UserRef | None
    action: str
    target_type: str = Field(alias="targetType")
    target_id: str = Field(alias="targetId")
    details: dict[str, Any]
    created_at: IsoDate = Field(alias="createdAt")

    @classmethod
    def of(cls, row: AuditRow) -> AuditEntry:
        actor = (
            UserRef(id_=row.actor_id, username=row.actor_name)
            if row.actor_id is not None and row.actor_name is not None
            else None
        )
        return cls(
            id_=row.id,
            actor=actor,
            action=row.action,
            target_type=row.target_type,
            target_id=row.target_id,
            details=row.details,
            created_at=row.created_at,
        )


class AuditPage(BaseModel):
    data: list[AuditEntry]
    pagination: Pagination


class PuzzleModerated(BaseModel):
    message: str
    puzzle: PuzzleDto

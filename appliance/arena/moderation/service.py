"""Reports and moderation (codincod-contract.md §3.9, §3.10, §10): people report puzzles,
users, comments and chat messages; moderators work through the review queues, approve or
send back puzzles, decide reports, ban and unban; every moderation action is written to the
audit log. No HTTP here.

Escalation (§10): when a report is upheld (``resolved``), whoever is answerable for what it
names (the user reported; a puzzle's or a comment's author; a chat message's sender) gets
one more on their ``reportCount``; from 3 on, every upheld report bans them automatically —
3–4: a day, 5–6: three days, 7–9: a week, 10 and more: for good — in the resolving
moderator's name, replacing the ban in force (CodinCod left it active). An escalation that
fails is logged; the report stays decided and the request succeeds.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from appliance.arena.accounts.models import Ban, BanType, Principal
from appliance.arena.accounts.service import AccountService
from appliance.arena.errors import arena_error
from appliance.arena.moderation.models import (
    REASON_MAX,
    REPORTED,
    Action,
    AuditQuery,
    AuditRow,
    Report,
    ReportBody,
    ReviewQuery,
    ReviewRow,
)
from appliance.arena.moderation.store import ModerationRepository
from appliance.arena.puzzles.models import Puzzle
from appliance.arena.puzzles.service import PuzzleService
from appliance.arena.wire import is_id, iso, new_id
from appliance.platform.clock import utc_now

log = logging.getLogger(__name__)

NOT_FOUND = {
    "puzzle": "Puzzle not found",
    "user": "User not found",
    "comment": "Comment not found",
    "game_chat": "Chat message not found",
}
"""The 404 of a report whose target does not exist, by problem type."""
DELETED = {
    "puzzle": "Deleted Puzzle",
    "user": "Deleted User",
    "comment": "Deleted Comment",
    "game_chat": "Deleted Message",
}
"""A review item's title when what the report names is gone (CodinCod's fallbacks)."""


def escalation(report_count: int) -> tuple[BanType, timedelta | None] | None:
    """The automatic ban for an offender with ``report_count`` upheld reports (§10)."""
    if report_count < 3:
        return None
    if report_count <= 4:
        return "temporary", timedelta(days=1)
    if report_count <= 6:
        return "temporary", timedelta(days=3)
    if report_count <= 9:
        return "temporary", timedelta(days=7)
    return "permanent", None


def _ms(duration: timedelta | None) -> int | None:
    return None if duration is None else int(duration.total_seconds() * 1000)


class ModerationService:
    def __init__(
        self, store: ModerationRepository, accounts: AccountService, puzzles: PuzzleService
    ) -> None:
        self.store = store
        self.accounts = accounts
        self.puzzles = puzzles

    # -- reports (anyone signed in) -------------------------------------------------------------

    async def report(self, principal: Principal, body: ReportBody) -> Report:
        """File a pending report by the caller; 404 when what it names does not exist."""
        target = await self.store.target(body.problem_type, body.problematic_identifier)
        if target is None:
            raise arena_error(404, NOT_FOUND[body.problem_type])
        now = utc_now()
        report = Report(
            id=new_id(),
            problematic_identifier=body.problematic_identifier,
            problem_type=body.problem_type,
            reported_by_id=principal.account_id,
            explanation=body.explanation,
            status="pending",
            resolved_by_id=None,
            created_at=now,
            updated_at=now,
        )
        await self.store.add_report(report)
        return report

    # -- review ---------------------------------------------------------------------------------

    async def review(self, query: ReviewQuery) -> tuple[list[dict[str, Any]], int]:
        """A page of a review queue, as §3.10's ReviewItems (wire dicts), and its total."""
        if query.type == "pending_puzzle":
            rows, total = await self.store.ready_puzzles(query.offset, query.limit)
            return [_pending_puzzle(row) for row in rows], total
        problem_type = REPORTED[query.type]
        rows, total = await self.store.pending_reports(problem_type, query.offset, query.limit)
        return [_reported(query.type, problem_type, row) for row in rows], total

    async def approve(self, moderator: Principal, puzzle_id: str) -> Puzzle:
        before = await self.puzzles.get(puzzle_id)
        puzzle = await self.puzzles.moderate(puzzle_id, "approved")
        await self._audit(
            moderator,
            Action.APPROVE,
            "puzzle",
            puzzle_id,
            {"title": puzzle.title, "previousVisibility": before.visibility},
        )
        return puzzle

    async def revise(self, moderator: Principal, puzzle_id: str, reason: str) -> Puzzle:
        before = await self.puzzles.get(puzzle_id)
        puzzle = await self.puzzles.moderate(puzzle_id, "revise", reason)
        await self._audit(
            moderator,
            Action.REVISE,
            "puzzle",
            puzzle_id,
            {"title": puzzle.title, "previousVisibility": before.visibility, "reason": reason},
        )
        return puzzle

    async def resolve(self, moderator: Principal, report_id: str, status: str) -> Report:
        """Decide a pending report: ``resolved`` (upheld: escalation, §10) or ``rejected``.
        404 for an unknown report, 409 for one decided before."""
        report = await self.store.report(report_id) if is_id(report_id) else None
        if report is None:
            raise arena_error(404, "Report not found")
        if not await self.store.decide(report_id, status, moderator.account_id, utc_now()):
            raise arena_error(409, "Report has already been decided", error="Conflict")
        await self._audit(
            moderator,
            Action.RESOLVE if status == "resolved" else Action.REJECT,
            "report",
            report_id,
            {
                "status": status,
                "problemType": report.problem_type,
                "problematicIdentifier": report.problematic_identifier,
            },
        )
        if status == "resolved":
            await self._escalate(moderator, report)
        decided = await self.store.report(report_id)
        if decided is None:  # deleted meanwhile (its reporter's account went)
            raise arena_error(404, "Report not found")
        return decided

    async def _escalate(self, moderator: Principal, report: Report) -> None:
        try:
            target = await self.store.target(report.problem_type, report.problematic_identifier)
            offender = target.offender_id if target else None
            if offender is None:
                log.info(
                    "arena report %s upheld: its %s is gone, nobody to count it against",
                    report.id,
                    report.problem_type,
                )
                return
            count = await self.accounts.count_report(offender)
            ban = escalation(count) if count is not None else None
            if ban is None:
                return
            ban_type, duration = ban
            reason = f"Automatic escalation: {report.explanation}"[:REASON_MAX]
            made = await self.accounts.ban(
                offender, moderator.account_id, ban_type, reason, duration
            )
            await self._audit(
                moderator,
                Action.BAN_ESCALATION,
                "user",
                offender,
                {
                    **_ban_details(made, duration),
                    "reportId": report.id,
                    "reportCount": count,
                },
            )
        except Exception:
            log.exception("arena report %s: the escalation failed", report.id)

    # -- bans -----------------------------------------------------------------------------------

    async def ban(
        self,
        moderator: Principal,
        user_id: str,
        ban_type: BanType,
        reason: str,
        duration: timedelta | None = None,
    ) -> Ban:
        made = await self.accounts.ban(user_id, moderator.account_id, ban_type, reason, duration)
        action = Action.BAN_TEMPORARY if ban_type == "temporary" else Action.BAN_PERMANENT
        await self._audit(moderator, action, "user", user_id, _ban_details(made, duration))
        return made

    async def unban(self, moderator: Principal, user_id: str, reason: str) -> Ban:
        lifted = await self.accounts.unban(user_id, reason)
        await self._audit(
            moderator,
            Action.UNBAN,
            "user",
            user_id,
            {"banId": lifted.id, "banType": lifted.ban_type, "reason": reason},
        )
        return lifted

    async def ban_history(self, user_id: str) -> list[Ban]:
        return await self.accounts.ban_history(user_id)

    # -- the audit log --------------------------------------------------------------------------

    async def audit_page(self, query: AuditQuery) -> tuple[list[AuditRow], int]:
        return await self.store.audit_page(query)

    async def _audit(
        self,
        actor: Principal,
        action: str,
        target_type: str,
        target_id: str,
        details: dict[str, Any],
    ) -> None:
        """Append the action to the audit log (after it took effect: a failure to write it is
        logged, the action stands)."""
        try:
            await self.store.audit(
                new_id(), actor.account_id, action, target_type, target_id, details, utc_now()
            )
        except Exception:
            log.exception(
                "arena audit log: %s by %s on %s %s not written",
                action,
                actor.username,
                target_type,
                target_id,
            )


def _ban_details(ban: Ban, duration: timedelta | None) -> dict[str, Any]:
    details: dict[str, Any] = {"banId": ban.id, "banType": ban.ban_type, "reason": ban.reason}
    if ban.end_date is not None:
        details["endDate"] = iso(ban.end_date)
        details["durationMs"] = _ms(duration)
    return details


def _pending_puzzle(row: ReviewRow) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": row.id,
        "type": "pending_puzzle",
        "title": row.title,
        "createdAt": iso(row.created_at),
    }
    if row.description is not None:
        item["description"] = row.description
    if row.author_name is not None:
        item["authorName"] = row.author_name
    return item


def _reported(review_type: str, problem_type: str, row: ReviewRow) -> dict[str, Any]:
    """A report as §3.10's ReviewItem: the title is the puzzle's title, the user's name,
    ``"Comment: "`` and the comment's first 50 characters, or ``"Chat from <name>"``, with
    CodinCod's fallbacks for what is gone; the description the puzzle's statement, the
    comment's or the message's text."""
    gone = row.title is None and row.description is None
    if problem_type == "comment":
        title = f"Comment: {(row.description or '')[:50] or DELETED['comment']}"
    elif problem_type == "game_chat":
        title = DELETED["game_chat"] if gone else f"Chat from {row.title}"
    else:
        title = row.title or DELETED[problem_type]
    item: dict[str, Any] = {
        "id": row.id,
        "type": review_type,
        "title": title,
        "description": row.description or "",
        "createdAt": iso(row.created_at),
        "reportExplanation": row.explanation,
    }
    if row.reported_by is not None:
        item["reportedBy"] = row.reported_by
    if problem_type == "game_chat":
        if row.game_id is not None:
            item["gameId"] = row.game_id
        item["contextMessages"] = [
            {
                "_id": line.id,
                "username": line.username,
                "message": line.message,
                "createdAt": iso(line.created_at),
                "isReported": line.id == row.reported_message_id,
            }
            for line in row.context
        ]
    return item

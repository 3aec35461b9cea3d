"""Queries of reports and the audit log (``arena_reports``, ``arena_audit_log`` in
``appliance/arena/tables.py``), and the review queues.

A review queue is a read across contexts — ready puzzles with their author, pending reports
with what they are about (a puzzle, a user, a comment, a chat message) and who reported
them — so it is one query here, joined in SQL, rather than one call per item into each
context. Each page picks its ids from an index first (``visibility, created_at`` for
puzzles, ``status, problem_type, created_at`` for reports) and joins only those, the count
riding along. SQLAlchemy loads with the first query."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from appliance.arena.moderation.models import (
    CONTEXT_MESSAGES,
    AuditQuery,
    AuditRow,
    ChatLine,
    Report,
    ReviewRow,
    Target,
)
from appliance.platform.store import Store


def _report(row: Any) -> Report:
    m = row._mapping
    return Report(
        id=m["id"],
        problematic_identifier=m["problematic_identifier"],
        problem_type=m["problem_type"],
        reported_by_id=m["reported_by_id"],
        explanation=m["explanation"],
        status=m["status"],
        resolved_by_id=m["resolved_by_id"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


def _chat_line(m: Any) -> ChatLine:
    return ChatLine(
        id=m["id"],
        game_id=m["game_id"],
        account_id=m["account_id"],
        username=m["username"],
        message=m["message"],
        created_at=m["created_at"],
    )


class ModerationRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    # -- reports --------------------------------------------------------------------------------

    async def add_report(self, report: Report) -> None:
        from appliance.arena import tables as sql

        async with self.store.session() as session, session.begin():
            await session.execute(
                sql.reports.insert().values(
                    id=report.id,
                    problematic_identifier=report.problematic_identifier,
                    problem_type=report.problem_type,
                    reported_by_id=report.reported_by_id,
                    explanation=report.explanation,
                    status=report.status,
                    resolved_by_id=report.resolved_by_id,
                    created_at=report.created_at,
                    updated_at=report.updated_at,
                )
            )

    async def report(self, report_id: str) -> Report | None:
        from appliance.arena import tables as sql

        async with self.store.session() as session:
            row = (
                await session.execute(sql.select(sql.reports).where(sql.reports.c.id == report_id))
            ).first()
        return _report(row) if row else None

    async def decide(self, report_id: str, status: str, moderator_id: str, now: datetime) -> bool:
        """Close a pending report as ``status`` by ``moderator_id``; False when it is not
        pending (any more): a report is decided once."""
        from appliance.arena import tables as sql

        r = sql.reports
        async with self.store.session() as session, session.begin():
            updated = await session.execute(
                sql.update(r)
                .where(r.c.id == report_id, r.c.status == "pending")
                .values(status=status, resolved_by_id=moderator_id, updated_at=now)
            )
        return bool(updated.rowcount)  # type: ignore[attr-defined]

    async def target(self, problem_type: str, target_id: str) -> Target | None:
        """What a report of ``problem_type`` names, as it is now; None when there is none."""
        from appliance.arena import tables as sql

        row: Any
        async with self.store.session() as session:
            if problem_type == "puzzle":
                p = sql.puzzles
                row = (
                    await session.execute(
                        sql.select(p.c.author_id, p.c.title).where(p.c.id == target_id)
                    )
                ).first()
                return Target(row.author_id, title=row.title) if row else None
            if problem_type == "user":
                a, u = sql.accounts, sql.users
                row = (
                    await session.execute(
                        sql.select(a.c.id, u.c.username)
                        .join_from(a, u, a.c.user_id == u.c.id)
                        .where(a.c.id == target_id)
                    )
                ).first()
                return Target(row.id, title=row.username) if row else None
            if problem_type == "comment":
                c = sql.comments
                row = (
                    await session.execute(
                        sql.select(c.c.author_id, c.c.text).where(c.c.id == target_id)
                    )
                ).first()
                return Target(row.author_id, text=row.text) if row else None
            m = sql.chat_messages
            row = (
                await session.execute(
                    sql.select(m.c.account_id, m.c.username, m.c.message, m.c.game_id).where(
                        m.c.id == target_id, m.c.is_deleted.is_(False)
                    )
                )
            ).first()
            if row is None:
                return None
            return Target(row.account_id, title=row.username, text=row.message, game_id=row.game_id)

    # -- review queues --------------------------------------------------------------------------

    async def ready_puzzles(self, offset: int, limit: int) -> tuple[list[ReviewRow], int]:
        """Puzzles awaiting review (``ready``), newest first, with their author's name."""
        from appliance.arena import tables as sql

        p, a, u = sql.puzzles, sql.accounts, sql.users
        ready = p.c.visibility == "ready"
        counted = sql.select(sql.func.count()).select_from(p).where(ready)
        picked = (
            sql.select(p.c.id)
            .where(ready)
            .order_by(p.c.created_at.desc())
            .limit(limit)
            .offset(offset)
        )
        query = (
            sql.select(
                p.c.id,
                p.c.title,
                p.c.statement,
                p.c.created_at,
                u.c.username,
                counted.scalar_subquery().label("total"),
            )
            .select_from(
                p.outerjoin(a, p.c.author_id == a.c.id).outerjoin(u, a.c.user_id == u.c.id)
            )
            .where(p.c.id.in_(picked))
            .order_by(p.c.created_at.desc())
        )
        async with self.store.session() as session:
            rows = (await session.execute(query)).all()
            total = rows[0].total if rows else await session.scalar(counted)
        items = [
            ReviewRow(
                id=row.id,
                created_at=row.created_at,
                title=row.title,
                description=row.statement,
                author_name=row.username,
            )
            for row in rows
        ]
        return items, int(total or 0)

    async def pending_reports(
        self, problem_type: str, offset: int, limit: int
    ) -> tuple[list[ReviewRow], int]:
        """Pending reports of ``problem_type``, newest first, each with its reporter's name
        and what it names (None where that is gone); a game chat report with the messages
        around the reported one."""
        from sqlalchemy import null

        from appliance.arena import tables as sql

        r, a, u = sql.reports, sql.accounts, sql.users
        where = (r.c.status == "pending", r.c.problem_type == problem_type)
        counted = sql.select(sql.func.count()).select_from(r).where(*where)
        picked = (
            sql.select(r.c.id)
            .where(*where)
            .order_by(r.c.created_at.desc())
            .limit(limit)
            .offset(offset)
        )
        joined = r.outerjoin(a, r.c.reported_by_id == a.c.id).outerjoin(u, a.c.user_id == u.c.id)
        columns: list[Any] = [
            r.c.id,
            r.c.problematic_identifier,
            r.c.explanation,
            r.c.created_at,
            u.c.username.label("reporter"),
            counted.scalar_subquery().label("total"),
        ]
        if problem_type == "puzzle":
            p = sql.puzzles
            joined = joined.outerjoin(p, p.c.id == r.c.problematic_identifier)
            columns += [p.c.title.label("title"), p.c.statement.label("text")]
        elif problem_type == "user":
            ta, tu = sql.accounts.alias("target_account"), sql.users.alias("target_user")
            joined = joined.outerjoin(ta, ta.c.id == r.c.problematic_identifier).outerjoin(
                tu, ta.c.user_id == tu.c.id
            )
            columns += [tu.c.username.label("title"), null().label("text")]
        elif problem_type == "comment":
            c = sql.comments
            joined = joined.outerjoin(c, c.c.id == r.c.problematic_identifier)
            columns += [null().label("title"), c.c.text.label("text")]
        else:
            m = sql.chat_messages
            joined = joined.outerjoin(
                m, sql.and_(m.c.id == r.c.problematic_identifier, m.c.is_deleted.is_(False))
            )
            columns += [
                m.c.username.label("title"),
                m.c.message.label("text"),
                m.c.game_id,
                m.c.created_at.label("message_created_at"),
            ]
        query = (
            sql.select(*columns)
            .select_from(joined)
            .where(r.c.id.in_(picked))
            .order_by(r.c.created_at.desc())
        )
        async with self.store.session() as session:
            rows = (await session.execute(query)).all()
            total = rows[0].total if rows else await session.scalar(counted)
            items = []
            for row in rows:
                game_id = row.game_id if problem_type == "game_chat" else None
                context = (
                    await self._chat_context(
                        session, game_id, row.problematic_identifier, row.message_created_at
                    )
                    if game_id is not None
                    else []
                )
                items.append(
                    ReviewRow(
                        id=row.id,
                        created_at=row.created_at,
                        title=row.title,
                        description=row.text,
                        explanation=row.explanation,
                        reported_by=row.reporter,
                        game_id=game_id,
                        context=context,
                        reported_message_id=row.problematic_identifier,
                    )
                )
        return items, int(total or 0)

    @staticmethod
    async def _chat_context(
        session: Any, game_id: str, message_id: str, created_at: datetime
    ) -> list[ChatLine]:
        """Up to 5 messages of the game before the reported one, it, and up to 5 after."""
        from appliance.arena import tables as sql

        m = sql.chat_messages
        shown = (m.c.game_id == game_id, m.c.is_deleted.is_(False), m.c.id != message_id)
        before = (
            await session.execute(
                sql.select(m)
                .where(*shown, m.c.created_at <= created_at)
                .order_by(m.c.created_at.desc(), m.c.id.desc())
                .limit(CONTEXT_MESSAGES)
            )
        ).all()
        reported = (await session.execute(sql.select(m).where(m.c.id == message_id))).all()
        after = (
            await session.execute(
                sql.select(m)
                .where(*shown, m.c.created_at > created_at)
                .order_by(m.c.created_at, m.c.id)
                .limit(CONTEXT_MESSAGES)
            )
        ).all()
        rows = [*reversed(before), *reported, *after]
        return [_chat_line(row._mapping) for row in rows]

    # -- the audit log --------------------------------------------------------------------------

    async def audit(
        self,
        entry_id: str,
        actor_id: str | None,
        action: str,
        target_type: str,
        target_id: str,
        details: dict[str, Any],
        now: datetime,
    ) -> None:
        from appliance.arena import tables as sql

        async with self.store.session() as session, session.begin():
            await session.execute(
                sql.audit_log.insert().values(
                    id=entry_id,
                    actor_id=actor_id,
                    action=action,
                    target_type=target_type,
                    target_id=target_id,
                    details=details,
                    created_at=now,
                )
            )

    async def audit_page(self, query: AuditQuery) -> tuple[list[AuditRow], int]:
        """The audit log newest first, of one target (type, id) and action when asked."""
        from appliance.arena import tables as sql

        log, a, u = sql.audit_log, sql.accounts, sql.users
        where = []
        if query.target_type is not None:
            where.append(log.c.target_type == query.target_type)
        if query.target_id is not None:
            where.append(log.c.target_id == query.target_id)
        if query.action is not None:
            where.append(log.c.action == query.action)
        counted = sql.select(sql.func.count()).select_from(log).where(*where)
        select = (
            sql.select(log, u.c.username.label("actor_name"))
            .select_from(
                log.outerjoin(a, log.c.actor_id == a.c.id).outerjoin(u, a.c.user_id == u.c.id)
            )
            .where(*where)
            .order_by(log.c.created_at.desc())
            .limit(query.limit)
            .offset(query.offset)
        )
        async with self.store.session() as session:
            rows = (await session.execute(select)).all()
            total = await session.scalar(counted)
        entries = [
            AuditRow(
                id=row.id,
                actor_id=row.actor_id,
                actor_name=row.actor_name,
                action=row.action,
                target_type=row.target_type,
                target_id=row.target_id,
                details=dict(row.details or {}),
                created_at=row.created_at,
            )
            for row in rows
        ]
        return entries, int(total or 0)

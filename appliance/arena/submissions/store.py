"""Queries of arena submissions (table ``arena_submissions`` in ``appliance/arena/tables.py``).
SQLAlchemy loads with the first query."""

from __future__ import annotations

from typing import Any

from appliance.arena.submissions.models import Submission
from appliance.platform.store import Store


def _submission(row: Any) -> Submission:
    m = row._mapping
    return Submission(
        id=m["id"],
        puzzle_id=m["puzzle_id"],
        account_id=m["account_id"],
        language_id=m["language_id"],
        code=m.get("code", ""),
        result=m["result"],
        success_rate=m["success_rate"],
        passed=m["passed"],
        failed=m["failed"],
        total=m["total"],
        game_id=m["game_id"],
        created_at=m["created_at"],
    )


class SubmissionRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def add(self, submission: Submission) -> None:
        from appliance.arena import tables as sql

        async with self.store.session() as session, session.begin():
            await session.execute(
                sql.submissions.insert().values(
                    id=submission.id,
                    puzzle_id=submission.puzzle_id,
                    account_id=submission.account_id,
                    language_id=submission.language_id,
                    code=submission.code,
                    result=submission.result,
                    success_rate=submission.success_rate,
                    passed=submission.passed,
                    failed=submission.failed,
                    total=submission.total,
                    game_id=submission.game_id,
                    created_at=submission.created_at,
                )
            )

    async def by_id(self, submission_id: str) -> Submission | None:
        from appliance.arena import tables as sql

        s = sql.submissions
        async with self.store.session() as session:
            row = (await session.execute(sql.select(s).where(s.c.id == submission_id))).first()
        return _submission(row) if row else None

    async def of_account(self, account_id: str) -> list[Submission]:
        """Every submission of an account, oldest first, without their code."""
        from appliance.arena import tables as sql

        s = sql.submissions
        columns = [column for column in s.c if column.name != "code"]
        async with self.store.session() as session:
            rows = await session.execute(
                sql.select(*columns)
                .where(s.c.account_id == account_id)
                .order_by(s.c.created_at, s.c.id)
            )
            return [_submission(row) for row in rows]

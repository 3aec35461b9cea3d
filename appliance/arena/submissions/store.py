"""Queries of arena submissions (table ``arena_submissions`` in ``appliance/arena/tables.py``),
and the little of puzzles a submission needs: its validators in position order.
SQLAlchemy loads with the first query."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from appliance.arena.submissions.models import Submission
from appliance.platform.store import Store


@dataclass(frozen=True)
class PuzzleTests:
    """What judging needs of a puzzle: that it exists, and its validators' (input, output)."""

    id: str
    tests: list[tuple[str, str]]


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

    async def puzzle_tests(self, puzzle_id: str) -> PuzzleTests | None:
        """The puzzle's validators as ``(input, output)`` in position order; None when there
        is no such puzzle."""
        from appliance.arena import tables as sql

        p, v = sql.puzzles, sql.validators
        async with self.store.session() as session:
            found = (await session.execute(sql.select(p.c.id).where(p.c.id == puzzle_id))).first()
            if found is None:
                return None
            rows = await session.execute(
                sql.select(v.c.input, v.c.output)
                .where(v.c.puzzle_id == puzzle_id)
                .order_by(v.c.position, v.c.created_at)
            )
            tests = [(row.input, row.output) for row in rows]
        return PuzzleTests(puzzle_id, tests)

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

    async def approved_puzzles(self, account_id: str) -> list[dict[str, Any]]:
        """The account's approved puzzles, newest first, author populated, without their
        solution (interim: until the puzzles context offers its DTO)."""
        from appliance.arena import tables as sql
        from appliance.arena.wire import iso

        p, a, u = sql.puzzles, sql.accounts, sql.users
        async with self.store.session() as session:
            rows = (
                await session.execute(
                    sql.select(p, u.c.username, u.c.role)
                    .join_from(p, a, p.c.author_id == a.c.id)
                    .join_from(a, u, a.c.user_id == u.c.id)
                    .where(p.c.author_id == account_id, p.c.visibility == "approved")
                    .order_by(p.c.created_at.desc(), p.c.id)
                )
            ).all()
        return [
            {
                "_id": row.id,
                "title": row.title,
                "statement": row.statement,
                "constraints": row.constraints,
                "author": {"_id": row.author_id, "username": row.username, "role": row.role},
                "difficulty": row.difficulty,
                "visibility": row.visibility,
                "tags": list(row.tags or []),
                "createdAt": iso(row.created_at),
                "updatedAt": iso(row.updated_at),
            }
            for row in rows
        ]

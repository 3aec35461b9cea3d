"""Queries of arena comments and their votes (``arena_comments``, ``arena_comment_votes`` in
``appliance/arena/tables.py``), the author joined from the accounts and the platform's users.

A parent's list of replies is not stored: it is the comments whose ``parent_id`` it is,
oldest first (the ``(parent_id, created_at)`` index), so a deleted comment leaves its parent's
list by itself. A write that needs its parent inserts only if the parent exists, in one
statement (never a reply to a comment deleted meanwhile). A vote takes the comment's row
first, so votes on one comment queue up, and the counts are recounted from the votes in the
same transaction. SQLAlchemy loads with the first query."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from appliance.arena.accounts.models import AuthorDto, Profile
from appliance.arena.comments.models import PUZZLE_COMMENT, REPLY, Comment
from appliance.arena.wire import new_id
from appliance.platform.store import Store


def _author(m: Any) -> AuthorDto:
    profile = m["author_profile"]
    return AuthorDto.model_construct(
        id_=m["author_id"],
        username=m["author_username"],
        profile=Profile.model_validate(profile) if profile else None,
        role=m["author_role"],
    )


def _comment(row: Any, *, populated: bool) -> Comment:
    m = row._mapping
    return Comment(
        id=m["id"],
        author_id=m["author_id"],
        puzzle_id=m["puzzle_id"],
        parent_id=m["parent_id"],
        comment_type=m["comment_type"],
        text=m["text"],
        upvote=m["upvote"],
        downvote=m["downvote"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        author=_author(m) if populated else None,
    )


class CommentRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    # -- reads ----------------------------------------------------------------------------------

    @staticmethod
    def _select(*, populated: bool = True) -> Any:
        """Comments, joined with their author when ``populated``."""
        from appliance.arena import tables as sql

        c, a, u = sql.comments, sql.accounts, sql.users
        if not populated:
            return sql.select(c)
        return sql.select(
            c,
            u.c.username.label("author_username"),
            u.c.role.label("author_role"),
            a.c.profile.label("author_profile"),
        ).select_from(c.join(a, c.c.author_id == a.c.id).join(u, a.c.user_id == u.c.id))

    @staticmethod
    async def _reply_ids(session: Any, where: Any) -> dict[str, list[str]]:
        """The ids of the replies to the comments ``where`` picks (a subquery of ids), per
        parent, oldest first."""
        from appliance.arena import tables as sql

        c = sql.comments
        rows = await session.execute(
            sql.select(c.c.parent_id, c.c.id)
            .where(c.c.parent_id.in_(where))
            .order_by(c.c.parent_id, c.c.created_at, c.c.id)
        )
        found: dict[str, list[str]] = {}
        for parent_id, comment_id in rows:
            found.setdefault(parent_id, []).append(comment_id)
        return found

    async def _children(self, session: Any, parent_id: str) -> list[Comment]:
        """The comments whose parent is ``parent_id``, oldest first, author populated, each
        with its replies' ids."""
        from appliance.arena import tables as sql

        c = sql.comments
        rows = (
            await session.execute(
                self._select().where(c.c.parent_id == parent_id).order_by(c.c.created_at, c.c.id)
            )
        ).all()
        if not rows:
            return []
        replies = await self._reply_ids(
            session, sql.select(c.c.id).where(c.c.parent_id == parent_id).scalar_subquery()
        )
        children = []
        for row in rows:
            comment = _comment(row, populated=True)
            comment.comments.extend(replies.get(comment.id, ()))
            children.append(comment)
        return children

    async def get(self, comment_id: str, *, populated: bool = True) -> Comment | None:
        """A comment with its replies: populated one level (each with its author and its own
        replies' ids) when ``populated``, else their ids."""
        async with self.store.session() as session:
            return await self._get(session, comment_id, populated=populated)

    async def _get(self, session: Any, comment_id: str, *, populated: bool) -> Comment | None:
        from appliance.arena import tables as sql

        c = sql.comments
        row = (
            await session.execute(self._select(populated=populated).where(c.c.id == comment_id))
        ).first()
        if row is None:
            return None
        comment = _comment(row, populated=populated)
        if populated:
            replies = await self._children(session, comment_id)
            comment.comments.extend(reply.id for reply in replies)
            return replace(comment, replies=replies)
        ids = await self._reply_ids(session, [comment_id])
        comment.comments.extend(ids.get(comment_id, ()))
        return comment

    async def of_puzzle(self, puzzle_id: str) -> list[Comment]:
        """A puzzle's comments, oldest first, each with its author and its replies' ids."""
        async with self.store.session() as session:
            return await self._children(session, puzzle_id)

    async def puzzle_exists(self, puzzle_id: str) -> bool:
        from appliance.arena import tables as sql

        p = sql.puzzles
        async with self.store.session() as session:
            found = await session.scalar(sql.select(p.c.id).where(p.c.id == puzzle_id))
        return found is not None

    # -- writes ---------------------------------------------------------------------------------

    async def add_to_puzzle(
        self, comment_id: str, author_id: str, puzzle_id: str, text: str, now: datetime
    ) -> Comment | None:
        """A comment on the puzzle, read back with its author; None when there is no such
        puzzle (checked by the insert itself)."""
        from appliance.arena import tables as sql

        p = sql.puzzles
        source = sql.select(
            *self._values(comment_id, author_id, text, now, PUZZLE_COMMENT),
            p.c.id.label("puzzle_id"),
            p.c.id.label("parent_id"),
        ).where(p.c.id == puzzle_id)
        return await self._insert(comment_id, source)

    async def add_reply(
        self, comment_id: str, author_id: str, parent_id: str, text: str, now: datetime
    ) -> Comment | None:
        """A reply to the comment ``parent_id``, on the parent's puzzle, read back with its
        author; None when there is no such comment (checked by the insert itself)."""
        from appliance.arena import tables as sql

        c = sql.comments
        source = sql.select(
            *self._values(comment_id, author_id, text, now, REPLY),
            c.c.puzzle_id,
            c.c.id.label("parent_id"),
        ).where(c.c.id == parent_id)
        return await self._insert(comment_id, source)

    @staticmethod
    def _values(comment_id: str, author_id: str, text: str, now: datetime, kind: str) -> list[Any]:
        """The new comment's own columns, as literals of an ``INSERT … SELECT``."""
        from sqlalchemy import literal

        from appliance.arena import tables as sql

        c = sql.comments
        values = (comment_id, author_id, kind, text, 0, 0, now, now)
        return [
            literal(value, column.type).label(column.name)
            for value, column in zip(values, _own_columns(c), strict=True)
        ]

    async def _insert(self, comment_id: str, source: Any) -> Comment | None:
        from appliance.arena import tables as sql

        c = sql.comments
        columns = [*_own_columns(c), c.c.puzzle_id, c.c.parent_id]
        async with self.store.session() as session, session.begin():
            inserted = await session.execute(c.insert().from_select(columns, source))
            if not inserted.rowcount:  # type: ignore[attr-defined]
                return None
            return await self._get(session, comment_id, populated=True)

    async def delete(self, comment_id: str) -> None:
        """The comment and every reply under it, at any depth (their votes go with them)."""
        from appliance.arena import tables as sql

        c = sql.comments
        thread = sql.select(c.c.id).where(c.c.id == comment_id).cte("thread", recursive=True)
        thread = thread.union_all(sql.select(c.c.id).where(c.c.parent_id == thread.c.id))
        async with self.store.session() as session, session.begin():
            await session.execute(sql.delete(c).where(c.c.id.in_(sql.select(thread.c.id))))

    async def vote(
        self, comment_id: str, account_id: str, vote_type: str, now: datetime
    ) -> Comment | None:
        """Cast, take back (the same type again) or switch (the other type) the account's
        vote on the comment, and store its recounted votes; the comment unpopulated, or None
        when there is no such comment."""
        from appliance.arena import tables as sql

        c, v = sql.comments, sql.comment_votes
        async with self.store.session() as session, session.begin():
            # The comment's row first: a concurrent vote on it waits for this transaction.
            taken = await session.execute(
                sql.update(c).where(c.c.id == comment_id).values(upvote=c.c.upvote)
            )
            if not taken.rowcount:  # type: ignore[attr-defined]
                return None
            mine = (v.c.comment_id == comment_id, v.c.account_id == account_id)
            cast = await session.scalar(sql.select(v.c.vote_type).where(*mine))
            if cast is None:
                await session.execute(
                    v.insert().values(
                        id=new_id(),
                        comment_id=comment_id,
                        account_id=account_id,
                        vote_type=vote_type,
                        created_at=now,
                    )
                )
            elif cast == vote_type:
                await session.execute(sql.delete(v).where(*mine))
            else:
                await session.execute(
                    sql.update(v).where(*mine).values(vote_type=vote_type, created_at=now)
                )
            counts: dict[str, int] = dict(
                (
                    await session.execute(
                        sql.select(v.c.vote_type, sql.func.count())
                        .where(v.c.comment_id == comment_id)
                        .group_by(v.c.vote_type)
                    )
                ).all()
            )
            await session.execute(
                sql.update(c)
                .where(c.c.id == comment_id)
                .values(upvote=counts.get("upvote", 0), downvote=counts.get("downvote", 0))
            )
            return await self._get(session, comment_id, populated=False)


def _own_columns(c: Any) -> list[Any]:
    """The columns a new comment sets itself (its thread's come from its parent)."""
    return [
        c.c.id,
        c.c.author_id,
        c.c.comment_type,
        c.c.text,
        c.c.upvote,
        c.c.downvote,
        c.c.created_at,
        c.c.updated_at,
    ]

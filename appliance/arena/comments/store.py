"""Queries of arena comments and their votes (``arena_comments``, ``arena_comment_votes`` in
``appliance/arena/tables.py``); their authors (from the accounts and the platform's users)
are read once per set of comments, a thread having far fewer authors than comments.

A parent's list of replies is not stored: it is the comments whose ``parent_id`` it is,
oldest first (the ``(parent_id, created_at)`` index), so a deleted comment leaves its parent's
list by itself. A write that needs its parent inserts only if the parent exists, in one
statement (never a reply to a comment deleted meanwhile). A vote takes the comment's row
first, so votes on one comment queue up, and the counts are recounted from the votes in the
same transaction. SQLAlchemy loads with the first query."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

import orjson

from appliance.arena.accounts.models import AuthorDto, Profile
from appliance.arena.comments.models import PUZZLE_COMMENT, REPLY, Comment, Thread
from appliance.arena.wire import new_id
from appliance.platform.store import DriverSql, Store


def _columns(c: Any) -> list[Any]:
    """A comment's columns in :class:`Comment`'s order (rows are read by position: a row's
    attributes cost more than the query, a thread being a thousand rows)."""
    return [
        c.c.id,
        c.c.author_id,
        c.c.puzzle_id,
        c.c.parent_id,
        c.c.comment_type,
        c.c.text,
        c.c.upvote,
        c.c.downvote,
        c.c.created_at,
        c.c.updated_at,
    ]


def _comment(row: tuple[Any, ...], author: AuthorDto | None, comments: list[str]) -> Comment:
    comment_id, author_id, puzzle_id, parent_id, kind, text, up, down, created, updated = row
    return Comment(
        comment_id,
        author_id,
        puzzle_id,
        parent_id,
        kind,
        text,
        up,
        down,
        created,
        updated,
        author=author,
        comments=comments,
    )


def _author(account_id: str, username: str, role: str, profile: Any) -> AuthorDto:
    """A comment's author; ``profile`` as SQLAlchemy reads it or as stored (JSON text)."""
    if isinstance(profile, str):
        profile = orjson.loads(profile)
    return AuthorDto.model_construct(
        id_=account_id,
        username=username,
        profile=Profile.model_validate(profile) if profile else None,
        role=role,
    )


def _by_parent(rows: Any) -> dict[str, list[str]]:
    """Reply ids per parent id, in the order of ``rows`` of (parent id, reply id)."""
    found: dict[str, list[str]] = {}
    for parent_id, comment_id in rows:
        found.setdefault(parent_id, []).append(comment_id)
    return found


def _select_authors() -> Any:
    """Accounts as :func:`_author` takes them."""
    from appliance.arena import tables as sql

    a, u = sql.accounts, sql.users
    return sql.select(a.c.id, u.c.username, u.c.role, a.c.profile).select_from(
        a.join(u, a.c.user_id == u.c.id)
    )


@functools.cache
def _thread_reads() -> tuple[DriverSql, DriverSql, DriverSql]:
    """A puzzle's thread (parameter ``puzzle``): its comments in :data:`ThreadRow`'s order,
    their authors, their replies' ids per comment (oldest first)."""
    from sqlalchemy import bindparam

    from appliance.arena import tables as sql

    c = sql.comments
    top = c.alias("top")
    in_thread = sql.select(top.c.id).where(top.c.parent_id == bindparam("puzzle"))
    authors_in_thread = sql.select(top.c.author_id).where(top.c.parent_id == bindparam("puzzle"))
    columns = [column for column in _columns(c) if column is not c.c.puzzle_id]
    comments = (
        sql.select(*columns).where(c.c.parent_id == bindparam("puzzle")).order_by(c.c.created_at)
    )
    authors = _select_authors().where(sql.accounts.c.id.in_(authors_in_thread))
    replies = (
        sql.select(c.c.parent_id, c.c.id)
        .where(c.c.parent_id.in_(in_thread))
        .order_by(c.c.parent_id, c.c.created_at)
    )
    return DriverSql.of(comments), DriverSql.of(authors), DriverSql.of(replies)


class CommentRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    # -- reads ----------------------------------------------------------------------------------

    @staticmethod
    async def _authors(session: Any, ids: set[str]) -> dict[str, AuthorDto]:
        """The authors of a set of comments, each once (a thread has few of them)."""
        from appliance.arena import tables as sql

        rows = await session.execute(_select_authors().where(sql.accounts.c.id.in_(list(ids))))
        return {row.id: _author(row.id, row.username, row.role, row.profile) for row in rows}

    @staticmethod
    async def _reply_ids(session: Any, parents: Any) -> dict[str, list[str]]:
        """The ids of the replies to ``parents`` (ids, or a subquery of them), per parent,
        oldest first."""
        from appliance.arena import tables as sql

        c = sql.comments
        rows = await session.execute(
            sql.select(c.c.parent_id, c.c.id)
            .where(c.c.parent_id.in_(parents))
            .order_by(c.c.parent_id, c.c.created_at)
        )
        return _by_parent(rows)

    async def _read(
        self, session: Any, where: Any, *, populated: bool, replies: Any
    ) -> list[Comment]:
        """The comments ``where`` picks, oldest first, each with its replies' ids (``replies``:
        the same comments' ids as a subquery, or a list), its author when ``populated``."""
        from appliance.arena import tables as sql

        c = sql.comments
        rows = [
            tuple(row)
            for row in await session.execute(
                sql.select(*_columns(c)).where(where).order_by(c.c.created_at)
            )
        ]
        if not rows:
            return []
        authors = await self._authors(session, {row[1] for row in rows}) if populated else {}
        ids = await self._reply_ids(session, replies)
        return [_comment(row, authors.get(row[1]), ids.get(row[0], [])) for row in rows]

    async def _children(self, session: Any, parent_id: str) -> list[Comment]:
        """The comments whose parent is ``parent_id``, oldest first, author populated, each
        with its replies' ids."""
        from appliance.arena import tables as sql

        c = sql.comments
        return await self._read(
            session,
            c.c.parent_id == parent_id,
            populated=True,
            replies=sql.select(c.c.id).where(c.c.parent_id == parent_id).scalar_subquery(),
        )

    async def get(self, comment_id: str, *, populated: bool = True) -> Comment | None:
        """A comment with its replies: populated one level (each with its author and its own
        replies' ids) when ``populated``, else their ids."""
        async with self.store.session() as session:
            return await self._get(session, comment_id, populated=populated)

    async def _get(self, session: Any, comment_id: str, *, populated: bool) -> Comment | None:
        from appliance.arena import tables as sql

        c = sql.comments
        found = await self._read(
            session, c.c.id == comment_id, populated=populated, replies=[comment_id]
        )
        if not found:
            return None
        if not populated:
            return found[0]
        found[0].replies = await self._children(session, comment_id)
        return found[0]

    async def of_puzzle(self, puzzle_id: str) -> Thread:
        """A puzzle's comments, oldest first, with their authors and their replies' ids:
        three reads straight from the driver, dates kept as the stored text (SQLAlchemy's
        result handling and two thousand dates parsed were most of the cost of a page)."""
        rows, authors, replies = await self.store.driver_reads(
            [(read, {"puzzle": puzzle_id}) for read in _thread_reads()]
        )
        if not rows:
            return Thread()
        return Thread(
            rows,  # ThreadRow's columns, in _thread_reads' order
            {row[0]: _author(*row) for row in authors},
            _by_parent(replies),
        )

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

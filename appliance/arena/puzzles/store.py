"""Queries of puzzles and their validators (tables in ``appliance/arena/tables.py``), with the
author joined from the accounts and the platform's users, and the solution's language from
``arena_languages``. A page of puzzles is one query (the author joined in, the count along).
SQLAlchemy loads with the first query."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from appliance.arena.accounts.models import AuthorDto, Profile
from appliance.arena.languages.models import Language
from appliance.arena.puzzles.models import Puzzle, Validator
from appliance.platform.store import Store


@dataclass(frozen=True)
class PuzzleRow:
    """What a create or an update writes of a puzzle (its validators go separately)."""

    title: str
    statement: str | None
    constraints: str | None
    difficulty: str
    visibility: str
    solution_code: str
    solution_language_id: str | None
    tags: list[str]
    moderation_feedback: str | None


def _author(m: Any) -> AuthorDto:
    profile = m["author_profile"]
    return AuthorDto.model_construct(
        id_=m["author_id"],
        username=m["author_username"],
        profile=Profile.model_validate(profile) if profile else None,
        role=m["author_role"],
    )


def _language(m: Any) -> Language | None:
    if m["language_id"] is None:
        return None
    return Language(
        id=m["language_id"],
        language=m["language_name"],
        version=m["language_version"],
        aliases=tuple(m["language_aliases"] or ()),
        runtime=m["language_runtime"],
        created_at=m["language_created_at"],
        updated_at=m["language_updated_at"],
    )


def _puzzle(row: Any, validators: list[Validator], *, solution: bool) -> Puzzle:
    m = row._mapping
    return Puzzle(
        id=m["id"],
        author_id=m["author_id"],
        title=m["title"],
        statement=m["statement"],
        constraints=m["constraints"],
        difficulty=m["difficulty"],
        visibility=m["visibility"],
        tags=list(m["tags"] or ()),
        moderation_feedback=m["moderation_feedback"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        validators=validators,
        author=_author(m),
        solution_code=m["solution_code"] if solution else None,
        solution_language_id=m["solution_language_id"] if solution else None,
        solution_language=_language(m) if solution else None,
    )


def _validator(m: Any) -> Validator:
    return Validator(
        id=m["id"],
        input=m["input"],
        output=m["output"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        test_result=m["test_result"],
    )


class PuzzleRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    @staticmethod
    def _select(*, solution: bool = False) -> Any:
        """Puzzles joined with their author (and the solution's language when asked)."""
        from appliance.arena import tables as sql

        p, a, u, lang = sql.puzzles, sql.accounts, sql.users, sql.languages
        columns = [
            p.c.id,
            p.c.author_id,
            p.c.title,
            p.c.statement,
            p.c.constraints,
            p.c.difficulty,
            p.c.visibility,
            p.c.tags,
            p.c.moderation_feedback,
            p.c.created_at,
            p.c.updated_at,
            u.c.username.label("author_username"),
            u.c.role.label("author_role"),
            a.c.profile.label("author_profile"),
        ]
        joined = p.join(a, p.c.author_id == a.c.id).join(u, a.c.user_id == u.c.id)
        if solution:
            columns += [
                p.c.solution_code,
                p.c.solution_language_id,
                lang.c.id.label("language_id"),
                lang.c.language.label("language_name"),
                lang.c.version.label("language_version"),
                lang.c.aliases.label("language_aliases"),
                lang.c.runtime.label("language_runtime"),
                lang.c.created_at.label("language_created_at"),
                lang.c.updated_at.label("language_updated_at"),
            ]
            joined = joined.outerjoin(lang, p.c.solution_language_id == lang.c.id)
        return sql.select(*columns).select_from(joined)

    @staticmethod
    async def _validators(session: Any, puzzle_ids: Sequence[str]) -> dict[str, list[Validator]]:
        from appliance.arena import tables as sql

        found: dict[str, list[Validator]] = {puzzle_id: [] for puzzle_id in puzzle_ids}
        if not puzzle_ids:
            return found
        v = sql.validators
        rows = await session.execute(
            sql.select(v)
            .where(v.c.puzzle_id.in_(list(puzzle_ids)))
            .order_by(v.c.puzzle_id, v.c.position)
        )
        for row in rows:
            found[row.puzzle_id].append(_validator(row._mapping))
        return found

    async def get(self, puzzle_id: str, *, solution: bool = False) -> Puzzle | None:
        from appliance.arena import tables as sql

        async with self.store.session() as session:
            row = (
                await session.execute(
                    self._select(solution=solution).where(sql.puzzles.c.id == puzzle_id)
                )
            ).first()
            if row is None:
                return None
            validators = await self._validators(session, [puzzle_id])
        return _puzzle(row, validators[puzzle_id], solution=solution)

    async def page(
        self,
        offset: int,
        limit: int,
        *,
        author_id: str | None = None,
        visibility: str | None = None,
    ) -> tuple[list[Puzzle], int]:
        """Puzzles oldest first (CodinCod's natural order), of one author and one visibility
        when given, without their validators, and how many there are in all. One query: the
        page's ids are picked from the index before the author is joined (so a far page does
        not join every row it skips), and the count rides along; a second query counts only
        when the page is empty."""
        from appliance.arena import tables as sql

        p = sql.puzzles
        where = []
        if author_id is not None:
            where.append(p.c.author_id == author_id)
        if visibility is not None:
            where.append(p.c.visibility == visibility)
        counted = sql.select(sql.func.count()).select_from(p).where(*where)
        picked = (
            sql.select(p.c.id).where(*where).order_by(p.c.created_at).limit(limit).offset(offset)
        )
        query = (
            self._select()
            .add_columns(counted.scalar_subquery().label("total"))
            .where(p.c.id.in_(picked))
            .order_by(p.c.created_at)
        )
        async with self.store.session() as session:
            rows = (await session.execute(query)).all()
            total = rows[0].total if rows else await session.scalar(counted)
        return [_puzzle(row, [], solution=False) for row in rows], int(total or 0)

    async def add(self, puzzle_id: str, author_id: str, row: PuzzleRow, now: datetime) -> None:
        from appliance.arena import tables as sql

        async with self.store.session() as session, session.begin():
            await session.execute(
                sql.puzzles.insert().values(
                    id=puzzle_id, author_id=author_id, created_at=now, updated_at=now, **vars(row)
                )
            )

    async def replace(
        self, puzzle_id: str, row: PuzzleRow, validators: Sequence[Validator], now: datetime
    ) -> bool:
        """Write the puzzle's fields and its whole list of validators, at once; False when
        the puzzle is gone."""
        from appliance.arena import tables as sql

        async with self.store.session() as session, session.begin():
            updated = await session.execute(
                sql.update(sql.puzzles)
                .where(sql.puzzles.c.id == puzzle_id)
                .values(updated_at=now, **vars(row))
            )
            if not updated.rowcount:  # type: ignore[attr-defined]
                return False
            await session.execute(
                sql.delete(sql.validators).where(sql.validators.c.puzzle_id == puzzle_id)
            )
            if validators:
                await session.execute(
                    sql.validators.insert(), _validator_rows(puzzle_id, validators)
                )
        return True

    async def judged(
        self,
        puzzle_id: str,
        version: datetime,
        visibility: str,
        results: dict[str, dict[str, Any] | None],
    ) -> bool:
        """Store a check's verdict (``visibility``) and each validator's test result, unless
        the puzzle changed since the check read it (``version``: its ``updated_at``)."""
        from appliance.arena import tables as sql

        p, v = sql.puzzles, sql.validators
        async with self.store.session() as session, session.begin():
            updated = await session.execute(
                sql.update(p)
                .where(p.c.id == puzzle_id, p.c.updated_at == version)
                .values(visibility=visibility)
            )
            if not updated.rowcount:  # type: ignore[attr-defined]
                return False
            for validator_id, result in results.items():
                await session.execute(
                    sql.update(v)
                    .where(v.c.id == validator_id, v.c.puzzle_id == puzzle_id)
                    .values(test_result=result)
                )
        return True

    async def moderated(
        self, puzzle_id: str, visibility: str, feedback: str | None, now: datetime
    ) -> bool:
        """Set a moderator's ``visibility`` (and ``feedback`` when given); False when the
        puzzle is gone. A check that read the puzzle before stores nothing (``updated_at``)."""
        from appliance.arena import tables as sql

        values: dict[str, Any] = {"visibility": visibility, "updated_at": now}
        if feedback is not None:
            values["moderation_feedback"] = feedback
        async with self.store.session() as session, session.begin():
            updated = await session.execute(
                sql.update(sql.puzzles).where(sql.puzzles.c.id == puzzle_id).values(**values)
            )
        return bool(updated.rowcount)  # type: ignore[attr-defined]

    async def delete(self, puzzle_id: str) -> None:
        from appliance.arena import tables as sql

        async with self.store.session() as session, session.begin():
            await session.execute(sql.delete(sql.puzzles).where(sql.puzzles.c.id == puzzle_id))

    async def language_exists(self, language_id: str) -> bool:
        from appliance.arena import tables as sql

        async with self.store.session() as session:
            found = await session.scalar(
                sql.select(sql.languages.c.id).where(sql.languages.c.id == language_id)
            )
        return found is not None

    # -- samples --------------------------------------------------------------------------------

    async def seed(
        self,
        name: str,
        author_id: str,
        puzzles: Sequence[tuple[str, PuzzleRow, Sequence[Validator]]],
        now: datetime,
    ) -> bool:
        """Add ``puzzles`` as the sample set ``name``, once: False (nothing added) when that
        set was added before, even if its puzzles were deleted since."""
        from appliance.arena import tables as sql

        try:
            async with self.store.session() as session, session.begin():
                await session.execute(sql.seeds.insert().values(name=name, seeded_at=now))
                for puzzle_id, row, validators in puzzles:
                    await session.execute(
                        sql.puzzles.insert().values(
                            id=puzzle_id,
                            author_id=author_id,
                            created_at=now,
                            updated_at=now,
                            **vars(row),
                        )
                    )
                    await session.execute(
                        sql.validators.insert(), _validator_rows(puzzle_id, validators)
                    )
        except sql.IntegrityError:
            return False
        return True

    async def fill_solution_language(self, author_id: str, language_id: str) -> None:
        """Give the author's puzzles whose solution has no language ``language_id``."""
        from appliance.arena import tables as sql

        p = sql.puzzles
        async with self.store.session() as session, session.begin():
            await session.execute(
                sql.update(p)
                .where(p.c.author_id == author_id, p.c.solution_language_id.is_(None))
                .values(solution_language_id=language_id)
            )

    async def seeded(self, name: str) -> bool:
        from appliance.arena import tables as sql

        async with self.store.session() as session:
            found = await session.scalar(
                sql.select(sql.seeds.c.name).where(sql.seeds.c.name == name)
            )
        return found is not None


def _validator_rows(puzzle_id: str, validators: Sequence[Validator]) -> list[dict[str, Any]]:
    return [
        {
            "id": item.id,
            "puzzle_id": puzzle_id,
            "position": position,
            "input": item.input,
            "output": item.output,
            "test_result": item.test_result,
            "created_at": item.created_at,
            "updated_at": item.updated_at,
        }
        for position, item in enumerate(validators)
    ]

"""The import: collections in dependency order, one transaction per document.

Order: programming languages (what puzzles and submissions name), users, their bans, puzzles
(with validators and solutions), submissions, games (with players; they link their
submissions), chat messages, comments (parents before replies), votes, reports, preferences,
user metrics. A document is

- **skipped** when ``arena_legacy_ids`` has it (an earlier run imported it) or when what it
  holds is here already (a user's preferences, ratings, vote);
- **invalid** when it cannot be read or a rule or reference fails (the reason is reported;
  nothing of it is written);
- **imported** otherwise: its rows and its ``arena_legacy_ids`` entry in one transaction.

Synchronous SQLAlchemy on the store's file (a command, not the server: nothing else runs).
``dry_run`` imports into a copy of the store made for the run and thrown away, so the report
is the one a real run would give and the data dir is left as it was.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from appliance.arena.legacy import reader
from appliance.arena.legacy.command import COLLECTIONS
from appliance.arena.legacy.mapping import (
    Invalid,
    Legacy,
    Plan,
    Skipped,
    comment_parent,
    items,
    legacy_row,
    oid,
    plan_chatmessages,
    plan_comments,
    plan_games,
    plan_preferences,
    plan_programminglanguages,
    plan_puzzles,
    plan_reports,
    plan_submissions,
    plan_userbans,
    plan_usermetrics,
    plan_users,
    plan_uservotes,
    when,
)
from appliance.platform.clock import utc_now
from appliance.platform.progress import Report as Progress

EXAMPLES = 3
"""How many document ids the report names per reason."""


@dataclass
class Outcome:
    """One collection's counts, and the reasons of what was not imported."""

    imported: int = 0
    skipped: int = 0
    invalid: int = 0
    reasons: dict[str, Counter[str]] = field(
        default_factory=lambda: {"skipped": Counter(), "invalid": Counter()}
    )
    examples: dict[str, list[str]] = field(default_factory=dict)

    def note(self, kind: str, reason: str, where: str) -> None:
        setattr(self, kind, getattr(self, kind) + 1)
        self.reasons[kind][reason] += 1
        shown = self.examples.setdefault(f"{kind}: {reason}", [])
        if len(shown) < EXAMPLES:
            shown.append(where)

    def wire(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "skipped": self.skipped,
            "invalid": self.invalid,
            "reasons": {
                kind: [
                    {
                        "reason": reason,
                        "count": count,
                        "examples": self.examples[f"{kind}: {reason}"],
                    }
                    for reason, count in counts.most_common()
                ]
                for kind, counts in self.reasons.items()
                if counts
            },
        }


@dataclass
class Report:
    """The whole run: an :class:`Outcome` per collection, in import order."""

    dry_run: bool
    collections: dict[str, Outcome] = field(default_factory=dict)

    def wire(self) -> dict[str, Any]:
        return {
            "dryRun": self.dry_run,
            "collections": {name: o.wire() for name, o in self.collections.items()},
        }

    def text(self) -> str:
        lines = [
            "CodinCod import" + (" (dry run: nothing was written)" if self.dry_run else ""),
            f"{'collection':<22}{'imported':>9}{'skipped':>9}{'invalid':>9}",
        ]
        for name, outcome in self.collections.items():
            lines.append(f"{name:<22}{outcome.imported:>9}{outcome.skipped:>9}{outcome.invalid:>9}")
        for name, outcome in self.collections.items():
            for kind, counts in outcome.reasons.items():
                for reason, count in counts.most_common():
                    examples = ", ".join(outcome.examples[f"{kind}: {reason}"])
                    lines.append(f"  {name} {kind} ×{count}: {reason} ({examples})")
        return "\n".join(lines)


class Lookups:
    """The reads a plan makes, answered in the document's transaction."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def _scalar(self, statement: Any) -> Any:
        return self.connection.execute(statement).scalar()

    def account(self, account_id: str) -> str | None:
        from appliance.arena import tables as sql

        a, u = sql.accounts, sql.users
        return self._scalar(
            sql.select(u.c.username)
            .join_from(a, u, a.c.user_id == u.c.id)
            .where(a.c.id == account_id)
        )

    def user_taken(self, username: str, email: str | None) -> str | None:
        from appliance.arena import tables as sql

        u = sql.users
        if self._scalar(sql.select(u.c.id).where(u.c.username == username)) is not None:
            return "username"
        if email and self._scalar(sql.select(u.c.id).where(u.c.email == email)) is not None:
            return "email"
        return None

    def puzzle(self, puzzle_id: str) -> int | None:
        from appliance.arena import tables as sql

        if self._scalar(sql.select(sql.puzzles.c.id).where(sql.puzzles.c.id == puzzle_id)) is None:
            return None
        v = sql.validators
        return int(self._scalar(sql.select(sql.func.count()).where(v.c.puzzle_id == puzzle_id)))

    def comment_thread(self, comment_id: str) -> str | None:
        from appliance.arena import tables as sql

        c = sql.comments
        return self._scalar(sql.select(c.c.puzzle_id).where(c.c.id == comment_id))

    def game(self, game_id: str) -> bool:
        from appliance.arena import tables as sql

        return self._scalar(sql.select(sql.games.c.id).where(sql.games.c.id == game_id)) is not None

    def language(self, legacy_id: str) -> str | None:
        from appliance.arena import tables as sql

        m, lang = sql.legacy_ids, sql.languages
        mapped = self._scalar(
            sql.select(m.c.new_id).where(
                m.c.collection == "programminglanguages", m.c.legacy_id == legacy_id
            )
        )
        if mapped is not None:
            return str(mapped)
        return self._scalar(sql.select(lang.c.id).where(lang.c.id == legacy_id))

    def language_named(self, name: str, version: str | None) -> str | None:
        from appliance.arena import tables as sql

        rows = self.connection.execute(sql.select(sql.languages)).all()
        named = [
            row
            for row in rows
            if row.language.lower() == name
            or name in (alias.lower() for alias in row.aliases or () if isinstance(alias, str))
        ]
        if version:
            named = [row for row in named if row.version == version]
        if not named:
            return None
        return str(max(named, key=lambda row: _version_key(row.version)).id)

    def has_preferences(self, account_id: str) -> bool:
        from appliance.arena import tables as sql

        p = sql.preferences
        return self._scalar(sql.select(p.c.id).where(p.c.account_id == account_id)) is not None

    def has_metrics(self, account_id: str) -> bool:
        from appliance.arena import tables as sql

        m = sql.user_metrics
        return self._scalar(sql.select(m.c.mode).where(m.c.account_id == account_id)) is not None

    def has_vote(self, comment_id: str, account_id: str) -> bool:
        from appliance.arena import tables as sql

        v = sql.comment_votes
        found = self._scalar(
            sql.select(v.c.id).where(v.c.comment_id == comment_id, v.c.account_id == account_id)
        )
        return found is not None


Planner = Callable[[dict[str, Any], Lookups], Plan]


class Importer:
    """One run over an export folder into one store file (already at the arena's schema)."""

    def __init__(self, source: Path, database: Path, progress: Progress) -> None:
        self.source = source
        self.database = database
        self.progress = progress
        self.legacy = Legacy()

    def path(self, collection: str) -> Path:
        return self.source / f"{collection}.json"

    def documents(self, collection: str) -> Iterator[dict[str, Any]]:
        """A collection's readable documents (for what others need of it)."""
        for entry in reader.read(self.path(collection)):
            if entry.document is not None:
                yield entry.document

    def read_context(self, collections: Sequence[str]) -> None:
        """What documents need of other collections, whichever are imported."""
        if "userbans" in collections:
            for document in self.documents("users"):
                user, ban = oid(document.get("_id")), oid(document.get("currentBan"))
                if user and ban:
                    self.legacy.current_bans[user] = ban
        if "comments" in collections:
            for document in self.documents("puzzles"):
                puzzle = oid(document.get("_id"))
                if puzzle:
                    self.legacy.puzzle_ids.add(puzzle)
                    for child in items(document.get("comments")):
                        if oid(child):
                            self.legacy.parents.setdefault(str(oid(child)), puzzle)
            for document in self.documents("comments"):
                comment = oid(document.get("_id"))
                for child in items(document.get("comments")):
                    if comment and oid(child):
                        self.legacy.parents.setdefault(str(oid(child)), comment)
        if "games" in collections:
            for document in self.documents("usermetrics"):
                user, until = (
                    oid(document.get("userId")),
                    when(document.get("lastProcessedGameDate")),
                )
                if user and until:
                    self.legacy.rated_until[user] = until

    def planner(self, collection: str) -> Planner:
        legacy = self.legacy
        with_legacy = {
            "userbans": plan_userbans,
            "games": plan_games,
            "comments": plan_comments,
        }
        if collection in with_legacy:
            plan = with_legacy[collection]
            return lambda document, lookups: plan(document, lookups, legacy)
        return {
            "programminglanguages": plan_programminglanguages,
            "users": plan_users,
            "puzzles": plan_puzzles,
            "submissions": plan_submissions,
            "chatmessages": plan_chatmessages,
            "uservotes": plan_uservotes,
            "reports": plan_reports,
            "preferences": plan_preferences,
            "usermetrics": plan_usermetrics,
        }[collection]

    def entries(self, collection: str) -> list[reader.Entry]:
        entries = list(reader.read(self.path(collection)))
        if collection == "comments":  # parents before their replies, whatever the file's order
            depth: dict[str, int] = {}
            parents = {
                str(oid(e.document.get("_id"))): comment_parent(e.document, self.legacy)
                for e in entries
                if e.document is not None and oid(e.document.get("_id"))
            }

            def level(comment: str | None, seen: frozenset[str] = frozenset()) -> int:
                if comment is None or comment not in parents or comment in seen:
                    return 0
                if comment not in depth:
                    depth[comment] = 1 + level(parents[comment], seen | {comment})
                return depth[comment]

            entries.sort(
                key=lambda e: level(oid(e.document.get("_id"))) if e.document is not None else 0
            )
        return entries

    def run(self, collections: Sequence[str], dry_run: bool = False) -> Report:
        from sqlalchemy import create_engine, event

        self.read_context(collections)
        report = Report(dry_run)
        engine = create_engine(f"sqlite:///{self.database}")
        event.listen(engine, "connect", _pragmas)
        try:
            with engine.connect() as connection:
                for collection in COLLECTIONS:
                    if collection in collections:
                        report.collections[collection] = self.collection(connection, collection)
        finally:
            engine.dispose()
        return report

    def collection(self, connection: Any, collection: str) -> Outcome:
        from sqlalchemy.exc import IntegrityError, StatementError

        from appliance.arena import tables as sql

        outcome = Outcome()
        entries = self.entries(collection)
        total = len(entries)
        planner = self.planner(collection)
        lookups = Lookups(connection)
        m = sql.legacy_ids
        self.progress(collection, 0, total)
        for done, entry in enumerate(entries, 1):
            document = entry.document
            if document is None:
                outcome.note("invalid", entry.error or "unreadable", entry.where)
            else:
                legacy_id = oid(document.get("_id"))
                where = legacy_id or entry.where
                try:
                    with connection.begin():
                        if (
                            legacy_id is not None
                            and connection.execute(
                                sql.select(m.c.new_id).where(
                                    m.c.collection == collection, m.c.legacy_id == legacy_id
                                )
                            ).first()
                        ):
                            raise Skipped("imported by an earlier run")
                        plan = planner(document, lookups)
                        assert legacy_id is not None  # every plan checks _id first
                        for statement in plan.statements:
                            if isinstance(statement, tuple):
                                connection.execute(*statement)
                            else:
                                connection.execute(statement)
                        connection.execute(
                            legacy_row(collection, legacy_id, plan.new_id, utc_now())
                        )
                    outcome.imported += 1
                except Skipped as skipped:
                    outcome.note("skipped", skipped.reason, where)
                except Invalid as invalid:
                    outcome.note("invalid", invalid.reason, where)
                except IntegrityError as error:
                    outcome.note("invalid", _conflict(error), where)
                except StatementError as error:  # a value the column cannot take
                    outcome.note("invalid", f"could not be stored: {error.orig}", where)
                except _SHAPE_ERRORS as error:  # a shape no rule foresaw: still only this row
                    outcome.note("invalid", f"malformed document: {error!r}", where)
            self.progress(collection, done, total)
        return outcome


_SHAPE_ERRORS = (TypeError, ValueError, AttributeError, KeyError, IndexError, OverflowError)
"""What a document of an unforeseen shape can raise in a plan (anything else, e.g. a module
missing from a trimmed install, stops the run instead of marking every row invalid)."""
_VERSION_PART = re.compile(r"\d+|[^\d.+\-_]+")


def _version_key(version: str) -> tuple[tuple[int, int, str], ...]:
    """The newest of a language's versions, as the languages' list orders them
    (``languages.service.version_key``, which is not imported: it loads the executors, and the
    binary leaves out the Piston client's httpx)."""
    parts = [
        (2, int(part), "") if part.isdigit() else (0, 0, part)
        for part in _VERSION_PART.findall(version)
    ]
    return (*parts, (1, 0, ""))


def _conflict(error: Exception) -> str:
    detail = str(getattr(error, "orig", error)).splitlines()[0]
    return f"conflicts with a stored row ({detail})"


def _pragmas(dbapi_connection: Any, _record: Any = None) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


@contextmanager
def _scratch_copy(database: Path) -> Iterator[Path]:
    """A private copy of the store (SQLite's online backup: consistent with its WAL), deleted
    after the block."""
    folder = Path(tempfile.mkdtemp(prefix="sparkhouse-import-"))
    try:
        copy = folder / database.name
        if database.is_file():
            with sqlite3.connect(database) as src, sqlite3.connect(copy) as dst:
                src.backup(dst)
            src.close()
            dst.close()
        yield copy
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_import(
    source: Path,
    data_dir: Path,
    migrations: Sequence[Path],
    progress: Progress,
    *,
    only: Sequence[str] = (),
    dry_run: bool = False,
) -> Report:
    """Import the export in ``source`` into the store of ``data_dir`` (its schema brought up
    to date first: the platform's branch and ``migrations``). The caller holds the data
    dir's lock. ``only``: these collections (default all)."""
    from appliance.platform.store import DB_NAME, Store

    collections = tuple(only) or COLLECTIONS
    database = data_dir / DB_NAME
    if not dry_run:
        Store(database, migrations).migrate()
        return Importer(source, database, progress).run(collections)
    with _scratch_copy(database) as copy:
        Store(copy, migrations).migrate()
        return Importer(source, copy, progress).run(collections, dry_run=True)

"""The arena's tables in the platform store, written once, here: the arena's branch of the
store's migrations (``appliance/arena/migrations/versions``) builds exactly these
(tests/platform/test_store.py compares them with autogenerate).

People are the platform's ``users`` (identity is shared with analytics); ``arena_accounts``
holds what only the arena knows of them (profile, bans, report counts) under the 24-hex id
CodinCod clients expect. Every other arena id is 24-hex too (``platform.ids.object_id``).
Lists (tags, aliases) and nested objects (profile) are JSON text.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    delete,
    false,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from appliance.platform.auth.tables import users

__all__ = ["IntegrityError", "and_", "delete", "func", "or_", "select", "update", "users"]

ID = 24
"""Length of an arena id: 24 hex characters."""

metadata = MetaData()

accounts = Table(
    "arena_accounts",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column(
        "user_id",
        String(64),
        ForeignKey(users.c.id, ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    Column("profile", JSON, nullable=False, server_default="{}"),
    Column("report_count", Integer, nullable=False, server_default="0"),
    Column("ban_count", Integer, nullable=False, server_default="0"),
    Column("current_ban_id", String(ID)),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)
bans = Table(
    "arena_bans",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("account_id", String(ID), ForeignKey(accounts.c.id, ondelete="CASCADE"), nullable=False),
    Column("banned_by_id", String(ID), ForeignKey(accounts.c.id, ondelete="SET NULL")),
    Column("ban_type", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("start_date", DateTime, nullable=False),
    Column("end_date", DateTime),
    Column("is_active", Boolean, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_arena_bans_account", "account_id", "created_at"),
)
languages = Table(
    "arena_languages",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("language", String(64), nullable=False),
    Column("version", String(64), nullable=False),
    Column("aliases", JSON, nullable=False, server_default="[]"),
    Column("runtime", String(64)),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("language", "version", name="uq_arena_languages_language_version"),
)
puzzles = Table(
    "arena_puzzles",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("author_id", String(ID), ForeignKey(accounts.c.id, ondelete="CASCADE"), nullable=False),
    Column("title", String(128), nullable=False),
    Column("statement", Text),
    Column("constraints", Text),
    Column("difficulty", String(16), nullable=False, server_default="intermediate"),
    Column("visibility", String(16), nullable=False, server_default="draft"),
    Column("solution_code", Text, nullable=False),
    Column("solution_language_id", String(ID), ForeignKey(languages.c.id, ondelete="SET NULL")),
    Column("tags", JSON, nullable=False, server_default="[]"),
    Column("moderation_feedback", Text),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_arena_puzzles_created", "created_at"),
    Index("ix_arena_puzzles_author", "author_id", "created_at"),
    Index("ix_arena_puzzles_visibility", "visibility", "created_at"),
)
validators = Table(
    "arena_validators",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("puzzle_id", String(ID), ForeignKey(puzzles.c.id, ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("input", Text, nullable=False),
    Column("output", Text, nullable=False),
    Column("test_result", JSON),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_arena_validators_puzzle", "puzzle_id", "position"),
)
submissions = Table(
    "arena_submissions",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("puzzle_id", String(ID), ForeignKey(puzzles.c.id, ondelete="CASCADE"), nullable=False),
    Column("account_id", String(ID), ForeignKey(accounts.c.id, ondelete="CASCADE"), nullable=False),
    Column(
        "language_id", String(ID), ForeignKey(languages.c.id, ondelete="RESTRICT"), nullable=False
    ),
    Column("code", Text, nullable=False),
    Column("result", String(16), nullable=False),
    Column("success_rate", Float, nullable=False),
    Column("passed", Integer, nullable=False),
    Column("failed", Integer, nullable=False),
    Column("total", Integer, nullable=False),
    Column("game_id", String(ID)),
    Column("created_at", DateTime, nullable=False),
    Index("ix_arena_submissions_account", "account_id", "created_at"),
    Index("ix_arena_submissions_puzzle", "puzzle_id", "created_at"),
    Index("ix_arena_submissions_game", "game_id"),  # revision arena_0003_games
)
seeds = Table(
    "arena_seeds",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("seeded_at", DateTime, nullable=False),
)
"""Which sample sets were added (once: deleting a sample does not bring it back)."""

# -- the community around the puzzles (Arena II): preferences, comments, reports, the audit log

preferences = Table(
    "arena_preferences",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column(
        "account_id",
        String(ID),
        ForeignKey(accounts.c.id, ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    Column("preferred_language", String(64)),
    Column("theme", String(8)),
    Column("blocked_users", JSON, nullable=False, server_default="[]"),
    Column("editor", JSON, nullable=False, server_default="{}"),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)
"""One record per account (§3.3): what is stored is what the account set, defaults fill in."""
comments = Table(
    "arena_comments",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("author_id", String(ID), ForeignKey(accounts.c.id, ondelete="CASCADE"), nullable=False),
    Column("puzzle_id", String(ID), ForeignKey(puzzles.c.id, ondelete="CASCADE")),
    Column("parent_id", String(ID), nullable=False),
    Column("comment_type", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("upvote", Integer, nullable=False, server_default="0"),
    Column("downvote", Integer, nullable=False, server_default="0"),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_arena_comments_parent", "parent_id", "created_at"),
    Index("ix_arena_comments_author", "author_id", "created_at"),
    Index("ix_arena_comments_puzzle", "puzzle_id"),
)
"""A comment on a puzzle (``puzzle-comment``, parent = the puzzle) or a reply
(``comment-comment``, parent = the comment); ``puzzle_id`` is the puzzle the thread hangs
from, so a puzzle's deletion takes its whole thread. A parent's ``comments`` list is the
comments whose parent it is, oldest first."""
comment_votes = Table(
    "arena_comment_votes",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("comment_id", String(ID), ForeignKey(comments.c.id, ondelete="CASCADE"), nullable=False),
    Column("account_id", String(ID), ForeignKey(accounts.c.id, ondelete="CASCADE"), nullable=False),
    Column("vote_type", String(8), nullable=False),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("comment_id", "account_id", name="uq_arena_comment_votes_comment_account"),
)
reports = Table(
    "arena_reports",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("problematic_identifier", String(ID), nullable=False),
    Column("problem_type", String(16), nullable=False),
    Column(
        "reported_by_id",
        String(ID),
        ForeignKey(accounts.c.id, ondelete="CASCADE"),
        nullable=False,
    ),
    Column("explanation", Text, nullable=False),
    Column("status", String(16), nullable=False, server_default="pending"),
    Column("resolved_by_id", String(ID), ForeignKey(accounts.c.id, ondelete="SET NULL")),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_arena_reports_queue", "status", "problem_type", "created_at"),
    Index("ix_arena_reports_target", "problematic_identifier"),
)
audit_log = Table(
    "arena_audit_log",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("actor_id", String(ID), ForeignKey(accounts.c.id, ondelete="SET NULL")),
    Column("action", String(64), nullable=False),
    Column("target_type", String(32), nullable=False),
    Column("target_id", String(ID), nullable=False),
    Column("details", JSON, nullable=False, server_default="{}"),
    Column("created_at", DateTime, nullable=False),
    Index("ix_arena_audit_log_created", "created_at"),
    Index("ix_arena_audit_log_target", "target_type", "target_id", "created_at"),
)
"""Every moderation action: who, what, on what, when (the plan's ``audit_logs``)."""

# -- live games (Arena III): games, their players and chat, per-mode ratings

games = Table(
    "arena_games",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("owner_id", String(ID), ForeignKey(accounts.c.id, ondelete="SET NULL")),
    Column("puzzle_id", String(ID), ForeignKey(puzzles.c.id, ondelete="CASCADE"), nullable=False),
    Column("mode", String(16), nullable=False),
    Column("visibility", String(8), nullable=False),
    Column("rated", Boolean, nullable=False),
    Column("options", JSON, nullable=False, server_default="{}"),
    Column("start_time", DateTime, nullable=False),
    Column("end_time", DateTime, nullable=False),
    Column("rated_at", DateTime),
    Column("created_at", DateTime, nullable=False),
    Index("ix_arena_games_end", "end_time"),
    Index("ix_arena_games_unrated", "rated", "rated_at", "end_time"),
)
"""A game (§6 Game): options as the room set them (defaults applied), the mode and
visibility out of them for queries; ``rated_at`` is when the ratings counted it (each
finished game exactly once)."""
game_players = Table(
    "arena_game_players",
    metadata,
    Column("game_id", String(ID), ForeignKey(games.c.id, ondelete="CASCADE"), primary_key=True),
    Column(
        "account_id",
        String(ID),
        ForeignKey(accounts.c.id, ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("joined_at", DateTime, nullable=False),
)
chat_messages = Table(
    "arena_chat_messages",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("game_id", String(ID), ForeignKey(games.c.id, ondelete="CASCADE"), nullable=False),
    Column("account_id", String(ID), ForeignKey(accounts.c.id, ondelete="SET NULL")),
    Column("username", String(64), nullable=False),
    Column("message", Text, nullable=False),
    Column("is_deleted", Boolean, nullable=False, server_default=false()),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_arena_chat_messages_game", "game_id", "created_at"),
)
user_metrics = Table(
    "arena_user_metrics",
    metadata,
    Column(
        "account_id",
        String(ID),
        ForeignKey(accounts.c.id, ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("mode", String(16), primary_key=True),
    Column("games_played", Integer, nullable=False, server_default="0"),
    Column("games_won", Integer, nullable=False, server_default="0"),
    Column("best_score", Float, nullable=False, server_default="0"),
    Column("total_score", Float, nullable=False, server_default="0"),
    Column("rating", Float, nullable=False, server_default="1500"),
    Column("rd", Float, nullable=False, server_default="350"),
    Column("volatility", Float, nullable=False, server_default="0.06"),
    Column("rank", Integer),
    Column("last_game_date", DateTime),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_arena_user_metrics_mode_rating", "mode", "rating"),
)
"""One row per (account, game mode) (§6 UserMetrics): the Glicko-2 rating and the counts."""

# -- the CodinCod import (Arena IV)

legacy_ids = Table(
    "arena_legacy_ids",
    metadata,
    Column("collection", String(32), primary_key=True),
    Column("legacy_id", String(ID), primary_key=True),
    Column("new_id", String(ID), nullable=False),
    Column("imported_at", DateTime, nullable=False),
)
"""``sparkhouse arena import-legacy``: each imported Mongo document (its collection as
Mongoose names it, its ``_id``) and the row it became (the same id, except a language that
was already here); a document found here is skipped, so an import runs again unchanged."""

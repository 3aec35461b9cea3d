"""arena: a competitive-coding platform, wire-compatible with CodinCod.

Split by the plan's contexts (arena-plan.md), each with its models, service, store and
routes; imports go one way, checked by import-linter:

* ``accounts/`` — registration, login and the ``token`` cookie, users' pages, bans as they
  bear on a request (people are the platform's users, shared with analytics);
* ``execution/`` — running untrusted code: the bubblewrap sandbox or a Piston server, behind
  one bounded queue, and CodinCod's output matching;
* ``languages/`` — the languages the executor offers, under stable ids, and ``POST /execute``;
  the mapping of execution failures to CodinCod's errors for every route that runs code;
* ``preferences/`` — each account's preferences: language, theme, blocked users, editor;
* ``puzzles/`` — authoring, the visibility workflow with its validator check (the reference
  solution run on every validator, in the background), who may read, edit and delete what,
  and the sample puzzles seeded on first start;
* ``comments/`` — comments on puzzles and replies, one level populated, votes, and who may
  delete what;
* ``submissions/`` — code judged on every validator of a puzzle and kept with its result,
  read back by its owner (or anyone once in a game), and a user's activity;
* ``games/`` — waiting rooms (in memory) and live games: players, chat, linked
  submissions, server-side timers, per-game standings (``games/scoring.py``), the Phoenix
  channels ``waiting_room:lobby`` and ``game:<id>``, and ``POST /submission/game``;
* ``moderation/`` — reports, the moderators' review queues, puzzle verdicts, report decisions
  with their escalation, bans by hand, and the audit log;
* ``leaderboard/`` — Glicko-2 ratings per game mode from the finished games (each counted
  once, hourly and on a moderator's request), the leaderboards and a user's rankings;

Shared by them: ``wire.py`` (ids, dates, pages), ``errors.py`` (CodinCod's error bodies),
``http.py`` (both URL prefixes, rate limits, bodies), ``docs.py`` (OpenAPI pieces),
``tables.py`` (the arena's tables; migrations in ``migrations/``).

This module declares the part (:data:`PART`); ``context.py`` is its typed context.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from appliance.arena.cli import add_commands
from appliance.arena.migrations import VERSIONS
from appliance.arena.settings import ArenaSettings
from appliance.platform.parts import Part, PartInfo, Platform

if TYPE_CHECKING:
    from sanic import Blueprint

    from appliance.arena.context import ArenaContext
    from appliance.platform.jobs import Jobs
    from appliance.platform.realtime.channels import Channel


def _build(platform: Platform, settings: ArenaSettings) -> ArenaContext:
    from appliance.arena.accounts.service import AccountService
    from appliance.arena.accounts.store import AccountRepository
    from appliance.arena.comments.service import CommentService
    from appliance.arena.comments.store import CommentRepository
    from appliance.arena.context import ArenaContext
    from appliance.arena.execution import ExecutionService
    from appliance.arena.games.channels import PhoenixDoor
    from appliance.arena.games.service import GameService
    from appliance.arena.games.sockets import CodinCodDoor, WsSettings
    from appliance.arena.games.store import GameRepository
    from appliance.arena.http import RateLimits
    from appliance.arena.languages.service import LanguageService
    from appliance.arena.languages.store import LanguageRepository
    from appliance.arena.leaderboard.service import LeaderboardService
    from appliance.arena.leaderboard.store import LeaderboardRepository
    from appliance.arena.moderation.service import ModerationService
    from appliance.arena.moderation.store import ModerationRepository
    from appliance.arena.preferences.service import PreferenceService
    from appliance.arena.preferences.store import PreferenceRepository
    from appliance.arena.puzzles.service import PuzzleService
    from appliance.arena.puzzles.store import PuzzleRepository
    from appliance.arena.submissions.service import SubmissionService
    from appliance.arena.submissions.store import SubmissionRepository
    from appliance.platform.auth import IdentityRepository, IdentityService
    from appliance.platform.origins import normalized_origin

    identity = IdentityService(IdentityRepository(platform.store), session_days=1)
    execution = ExecutionService(settings)
    accounts = AccountService(identity, AccountRepository(platform.store), settings.jwt_secret)
    languages = LanguageService(LanguageRepository(platform.store), execution)
    puzzles = PuzzleService(PuzzleRepository(platform.store), accounts, languages, execution)
    preferences = PreferenceService(PreferenceRepository(platform.store))
    games = GameService(
        GameRepository(platform.store),
        accounts,
        puzzles,
        SubmissionRepository(platform.store),
        countdown_seconds=settings.game_countdown_seconds,
        blocked=preferences.blocked,  # chat lines skip those who blocked their author
    )
    games.add_door(PhoenixDoor(platform.broker))
    realtime = platform.settings.realtime
    ws = WsSettings(
        settings.ws_ping_seconds,
        settings.ws_pong_timeout_seconds,
        realtime.send_buffer_bytes,
        realtime.max_sockets_per_address,
    )
    games.add_door(CodinCodDoor(ws))
    origins = {normalized_origin(origin) for origin in settings.frontend_origins}
    return ArenaContext(
        settings=settings,
        frontend_origins=frozenset(origin for origin in origins if origin),
        limits=RateLimits(settings.rate_limits, platform.settings.server.trusted_proxies),
        accounts=accounts,
        execution=execution,
        languages=languages,
        preferences=preferences,
        puzzles=puzzles,
        comments=CommentService(CommentRepository(platform.store)),
        submissions=SubmissionService(
            SubmissionRepository(platform.store), execution, languages, puzzles, accounts
        ),
        games=games,
        moderation=ModerationService(ModerationRepository(platform.store), accounts, puzzles),
        leaderboard=LeaderboardService(LeaderboardRepository(platform.store), accounts),
    )


def _blueprints(context: ArenaContext) -> Sequence[Blueprint]:
    from appliance.arena import routes as arena
    from appliance.arena.accounts import routes as accounts
    from appliance.arena.comments import routes as comments
    from appliance.arena.games import routes as games
    from appliance.arena.games.sockets import build_blueprint as game_sockets
    from appliance.arena.languages import routes as languages
    from appliance.arena.leaderboard import routes as leaderboard
    from appliance.arena.moderation import routes as moderation
    from appliance.arena.preferences import routes as preferences
    from appliance.arena.puzzles import routes as puzzles
    from appliance.arena.submissions import routes as submissions
    from appliance.platform.http import register_cors_origins

    blueprints = [
        accounts.blueprint,
        languages.blueprint,
        preferences.blueprint,
        puzzles.blueprint,
        comments.blueprint,
        submissions.blueprint,
        games.blueprint,
        moderation.blueprint,
        leaderboard.blueprint,
        arena.blueprint,
    ]
    for blueprint in blueprints:
        register_cors_origins(blueprint, sorted(context.frontend_origins))
    return [*blueprints, game_sockets()]  # /ws and /ws/game/<id>: CodinCod's own sockets


def _jobs(context: ArenaContext, jobs: Jobs) -> None:
    from appliance.arena.leaderboard import jobs as leaderboard

    leaderboard.register(jobs, context.leaderboard)


def _channels(context: ArenaContext) -> Sequence[Channel]:
    from appliance.arena.games.channels import build_channels

    return build_channels(context.games, context.accounts)


async def _serving(context: ArenaContext) -> None:
    """Once serving: import the store's SQL side in a thread (the loop keeps answering), then
    load the token secret (a first run stores one now), the languages, and the sample
    puzzles (once per data dir, when seed_samples is on)."""
    import asyncio
    import importlib

    def load() -> None:
        importlib.import_module("appliance.arena.tables")
        context.accounts.identity.repository.store.open_engine()

    await asyncio.to_thread(load)
    await context.accounts.ready()
    await context.languages.sync_quietly()
    await context.games.resume()
    if context.settings.seed_samples:
        await context.puzzles.seed_samples()


async def _stop(context: ArenaContext) -> None:
    await context.games.stop()
    await context.puzzles.stop()
    context.accounts.close()
    await context.execution.aclose()


PART = Part(
    info=PartInfo(
        name="arena",
        title="Arena",
        path="/arena",
        description="Competitive coding, CodinCod-compatible: puzzles, sandboxed code "
        "execution, submissions, live games. Every route also answers without the v1: "
        "/api/puzzle is /api/v1/puzzle.",
    ),
    settings=ArenaSettings,
    build=_build,
    blueprints=_blueprints,
    channels=_channels,
    jobs=_jobs,
    serving=_serving,
    stop=_stop,
    commands=add_commands,
    migrations=VERSIONS,
    public_paths=frozenset({"/ws"}),
)

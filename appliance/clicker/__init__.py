"""clicker: the Click-the-Button game — throttled clicks, a live leaderboard, flat-file
snapshots."""

from __future__ import annotations

import gc
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from appliance.clicker import channels
from appliance.clicker.settings import ClickerSettings
from appliance.platform.jobs import Jobs
from appliance.platform.parts import Part, PartInfo, Platform

if TYPE_CHECKING:
    from sanic import Blueprint

    from appliance.clicker.jobs import LeaderboardBroadcaster
    from appliance.clicker.service import ClickEngine, PlayerLimits
    from appliance.clicker.store import SnapshotStore
    from appliance.platform.realtime.channels import Channel
    from appliance.platform.settings import IPNetwork

log = logging.getLogger("sparkhouse.clicker")


@dataclass(frozen=True)
class ClickerContext:
    """The game's services, on ``app.ctx.clicker``."""

    settings: ClickerSettings
    engine: ClickEngine
    store: SnapshotStore
    broadcaster: LeaderboardBroadcaster
    limits: PlayerLimits
    trusted_proxies: Sequence[IPNetwork]


def _build(platform: Platform, settings: ClickerSettings) -> ClickerContext:
    from appliance.clicker.jobs import LeaderboardBroadcaster
    from appliance.clicker.service import ClickEngine, PlayerLimits
    from appliance.clicker.store import SnapshotStore

    engine = ClickEngine(
        min_interval_ms=settings.min_interval_ms,
        reset_after_seconds=settings.reset_after_seconds,
        top_n=settings.top_n,
        forget_after_seconds=settings.forget_after_seconds,
        max_players=settings.max_players,
    )
    broadcaster = LeaderboardBroadcaster(engine, platform.broker)
    engine.listeners.append(broadcaster.notify)
    store = SnapshotStore(platform.settings.server.data_dir / "clicker")
    limits = PlayerLimits(settings.new_players_per_minute, settings.renames_per_minute)
    trusted = platform.settings.server.trusted_proxies
    return ClickerContext(settings, engine, store, broadcaster, limits, trusted)


def _blueprints(_: ClickerContext) -> Sequence[Blueprint]:
    from appliance.clicker import routes

    return [routes.blueprint]


def _channels(context: ClickerContext) -> Sequence[Channel]:
    return channels.build_channels(context.engine, context.limits)


def _jobs(context: ClickerContext, jobs: Jobs) -> None:
    from appliance.clicker.jobs import SnapshotJob, schedule

    schedule(jobs, SnapshotJob(context.engine, context.store), context.settings.snapshot_seconds)


async def _start(context: ClickerContext) -> None:
    # Blocking on purpose: the server does not serve before the game is loaded.
    gc.disable()  # a million new objects would otherwise trigger full collections repeatedly
    try:
        context.engine.set_handle_key(context.store.handle_key())
        dropped = context.engine.load(context.store.load())
        context.store.prime(context.engine)
    finally:
        gc.enable()
    # The game's containers live as long as the process; freezing them keeps them out of the
    # collector's full passes, which would otherwise stall the loop at a million players.
    # (Process-wide but harmless: start-up objects are permanent.)
    gc.freeze()
    if dropped:
        log.warning(
            "the snapshot held %d players more than SPARKHOUSE_CLICKER_MAX_PLAYERS=%d; "
            "kept the live scores and the most recently active names",
            dropped,
            context.settings.max_players,
        )


def _health(context: ClickerContext) -> list[str]:
    return context.store.problems()


async def _stop(context: ClickerContext) -> None:
    # Connections are closed by now, so this is the final state. Synchronous (no await): it
    # runs whole even if Sanic has to re-run the shutdown on a stopped loop.
    context.broadcaster.cancel()
    context.store.save_now(context.engine)


PART = Part(
    info=PartInfo(
        name="clicker",
        title="Click the Button",
        path="/clicker",
        description="Click as fast as the throttle allows; a live leaderboard shows the top "
        "players.",
        topics=[channels.LOBBY_TOPIC],
    ),
    settings=ClickerSettings,
    build=_build,
    blueprints=_blueprints,
    channels=_channels,
    jobs=_jobs,
    start=_start,
    stop=_stop,
    health=_health,
)

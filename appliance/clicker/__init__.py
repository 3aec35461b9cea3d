"""clicker: the Click-the-Button game — throttled clicks, a live leaderboard, flat-file
snapshots."""

from __future__ import annotations

import gc
from typing import Any

from sanic import Sanic

from appliance.clicker import channels, routes
from appliance.clicker.jobs import LeaderboardBroadcaster, SnapshotJob, schedule
from appliance.clicker.service import ClickEngine
from appliance.clicker.store import SnapshotStore
from appliance.platform.parts import PartInfo, Platform

INFO = PartInfo(
    name="clicker",
    title="Click the Button",
    path="/clicker",
    description="Click as fast as the throttle allows; a live leaderboard shows the top players.",
    topics=[channels.LOBBY_TOPIC],
)


def mount(app: Sanic, platform: Platform) -> PartInfo:
    settings = platform.settings.clicker
    engine = ClickEngine(
        min_interval_ms=settings.min_interval_ms,
        reset_after_seconds=settings.reset_after_seconds,
        top_n=settings.top_n,
    )
    store = SnapshotStore(platform.settings.server.data_dir / "clicker")
    broadcaster = LeaderboardBroadcaster(engine, platform.broker)
    engine.listeners.append(broadcaster.notify)
    app.ctx.clicker = engine
    app.ctx.clicker_store = store
    app.ctx.clicker_broadcaster = broadcaster

    platform.channels.add(*channels.build_channels(engine))
    app.blueprint(routes.blueprint)
    schedule(platform.jobs, SnapshotJob(engine, store), settings.snapshot_seconds)

    @app.before_server_start
    async def load_clicker_snapshot(app: Sanic, _: Any = None) -> None:
        # Blocking on purpose: the server does not serve before the game is loaded.
        gc.disable()  # a million new objects would otherwise trigger full collections repeatedly
        try:
            engine.load(store.load())
            store.prime(engine)
        finally:
            gc.enable()
        # The game's containers live as long as the process; freezing them keeps them out of
        # the collector's full passes, which would otherwise stall the loop ~0.3 s at a
        # million players. (Process-wide but harmless: start-up objects are permanent.)
        gc.freeze()

    @app.after_server_stop
    async def save_clicker_snapshot(app: Sanic, _: Any = None) -> None:
        # Connections are closed by now, so this is the final state. Synchronous (no await):
        # it runs whole even if Sanic has to re-run the shutdown coroutine on a stopped loop.
        broadcaster.cancel()
        store.save_now(engine)

    return INFO

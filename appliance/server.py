"""Builds the Sanic app: platform first, then every part, then the dashboard."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Sequence
from typing import Any

from sanic import Request, Sanic
from sanic.exceptions import NotFound
from sanic.response import HTTPResponse, file

from appliance import __version__
from appliance.platform import frozen, http, openapi, origins
from appliance.platform.jobs import Jobs
from appliance.platform.lifecycle import once_serving
from appliance.platform.openapi import HEALTHZ_DOC, HIDDEN, SYSTEM_DOC
from appliance.platform.parts import Part, PartInfo, Platform
from appliance.platform.realtime import phoenix, sse
from appliance.platform.realtime.broker import Broker
from appliance.platform.realtime.channels import ChannelRegistry
from appliance.platform.sanic_compat import install_route_error_format_patch, touchup_applied
from appliance.platform.settings import PlatformSettings
from appliance.platform.store import Store
from appliance.settings import Settings
from appliance.web import DIST

log = logging.getLogger("sparkhouse")


# Before any blueprint declares its routes: the parts (whose modules declare them at import)
# are imported in create_app, after this line has run.
install_route_error_format_patch()

ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class SparkhouseApp(Sanic):
    """Sanic, recording that a stop was asked for (``ctx.stop_requested``): a stop that lands
    while Sanic still runs its start-up listeners is lost by Sanic, and ``sparkhouse serve``
    makes it again once the server serves (cli._stop_reliably)."""

    def stop(self, terminate: bool = True, unregister: bool = False) -> None:
        self.ctx.stop_requested = True
        super().stop(terminate=terminate, unregister=unregister)


def create_app(settings: Settings, name: str = "sparkhouse") -> Sanic:
    from appliance.registry import PARTS

    app = SparkhouseApp(name, dumps=http.dumps, configure_logging=False)
    app.config.MOTD = False
    app.config.KEEP_ALIVE_TIMEOUT = 75  # outlive typical proxy idle timeouts
    app.config.GRACEFUL_SHUTDOWN_TIMEOUT = 5
    app.config.TOUCHUP = True
    app.ctx.settings = settings
    http.install(app, settings)

    platform_settings = PlatformSettings.model_construct(
        server=settings.server, realtime=settings.realtime
    )
    platform = Platform(
        platform_settings,
        Broker(),
        ChannelRegistry(),
        Jobs(),
        Store.in_dir(settings.server.data_dir, [p.migrations for p in PARTS if p.migrations]),
    )
    app.ctx.platform = platform
    app.ctx.broker = platform.broker
    phoenix.install(app, platform.broker, platform.channels, platform_settings)
    sse.install(app, platform_settings)  # per-address caps; streams end promptly at a stop

    sections = [part.section(settings) for part in PARTS]
    mounted = [
        (part, part.build(platform, section)) for part, section in zip(PARTS, sections, strict=True)
    ]
    for part, context in mounted:
        setattr(app.ctx, part.info.name, context)
        for blueprint in part.blueprints(context):
            app.blueprint(blueprint)
        platform.channels.add(*part.channels(context))
        part.jobs(context, platform.jobs)
    public_paths = frozenset().union(*(part.public_paths for part in PARTS))
    public_urls = [
        url
        for part, section in zip(PARTS, sections, strict=True)
        for url in part.public_urls(section)
    ]
    origins.install(app, settings.server, public_urls)
    _install_lifecycle(app, platform, mounted)
    parts: list[PartInfo] = [part.info for part in PARTS]
    app.ctx.parts = parts

    checks = [
        (part.info.name, functools.partial(part.health, context))
        for part, context in mounted
        if part.health is not None
    ]

    @app.get("/healthz", name="healthz", ctx_docs=HEALTHZ_DOC)
    async def healthz(request: Request) -> HTTPResponse:
        problems = [
            {"part": name, "problem": problem}
            for name, check in checks
            for problem in _problems(name, check)
        ]
        if problems:
            return http.json_response({"ok": False, "problems": problems}, 503)
        return http.json_response({"ok": True})

    @app.get("/api/system", name="system", ctx_docs=SYSTEM_DOC)
    async def system(request: Request) -> HTTPResponse:
        return http.json_response(
            {
                "name": "sparkhouse",
                "version": __version__,
                "parts": [
                    {
                        "name": p.name,
                        "title": p.title,
                        "path": p.path,
                        "description": p.description,
                        "topics": p.topics,
                    }
                    for p in parts
                ],
                "realtime": {
                    "sockets": app.ctx.socket_counter["open"],
                    # Per prefix only: a room's topic names its id, the room's only key.
                    "topics": platform.broker.subscribers_by_prefix(),
                },
            }
        )

    part_tags = [(part.name, part.description) for part in parts]
    openapi.install(app, title="Sparkhouse", version=__version__, tags=part_tags)
    _mount_dashboard(app, public_paths)
    http.add_preflight_routes(app, settings)
    return app


def _problems(name: str, check: Callable[[], Sequence[str]]) -> Sequence[str]:
    """A part's health problems (Part.health); a check that fails is a problem itself."""
    try:
        return check()
    except Exception as exc:
        log.exception("the health check of %s failed", name)
        return [f"health check failed: {exc}"]


def _install_lifecycle(
    app: Sanic, platform: Platform, mounted: Sequence[tuple[Part[Any, Any], Any]]
) -> None:
    """The one order of start and stop (platform/parts.py): the store, then the parts in
    order; once serving, their warm-ups and the scheduler; after the stop, the scheduler, the
    parts in reverse order, the store."""

    @app.before_server_start
    async def start_platform_and_parts(app: Sanic, _: Any = None) -> None:
        await platform.store.start()
        for part, context in mounted:
            if part.start is not None:
                await part.start(context)

    @app.after_server_start
    async def after_start_checks(app: Sanic, _: Any = None) -> None:
        _warn_if_touchup_skipped(app)
        frozen.finish_unpacking()  # the binary's packed DuckDB module, in a thread

    for part, context in mounted:
        if part.serving is not None:
            once_serving(app, f"{part.info.name}-serving", functools.partial(part.serving, context))

    async def start_jobs() -> None:
        platform.settings.server.data_dir.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(platform.jobs.load)  # the event loop keeps answering
        platform.jobs.start()

    once_serving(app, "jobs-start", start_jobs)

    async def shut_down() -> None:
        platform.jobs.stop()
        for part, context in reversed(mounted):
            if part.stop is not None:
                try:
                    await part.stop(context)
                except Exception:
                    log.exception("stopping %s failed", part.info.name)
        await platform.store.stop()

    @app.after_server_stop
    async def stop_parts_and_platform(app: Sanic, _: Any = None) -> None:
        # Sanic runs the after-stop listeners again when a stop of the loop interrupted them
        # (runners._run_shutdown_coro): the shutdown runs once, a second call waits for it.
        stopping: asyncio.Task[None] | None = getattr(app.ctx, "shutting_down", None)
        if stopping is None:
            stopping = asyncio.create_task(shut_down(), name="shutdown")
            app.ctx.shutting_down = stopping
        await asyncio.shield(stopping)


TOUCHUP_SKIPPED = "Sanic's TouchUp did not run"


def _warn_if_touchup_skipped(app: Sanic) -> None:
    """TouchUp recompiles Sanic's request path for this app's settings at start, from the
    sources of the classes that declare ``__touchup__`` (the binary ships those .py files:
    packaging/sparkhouse.spec). Without it every request runs the generic, slower path
    (docs/decisions/sanic-touchup.md), and nothing else would say so."""
    if app.config.TOUCHUP and app.state.primary and not touchup_applied():
        log.warning("%s: requests take the slow generic path", TOUCHUP_SKIPPED)


def _mount_dashboard(app: Sanic, public_paths: frozenset[str]) -> None:
    index = DIST / "index.html"
    if (DIST / "assets").is_dir():
        app.static("/assets", DIST / "assets", name="dashboard_assets")

    @app.route("/", methods=["GET", "HEAD"], name="dashboard_home", ctx_docs=HIDDEN)
    async def home(request: Request) -> HTTPResponse:
        return await _index(index)

    @app.route("/<path:path>", methods=ALL_METHODS, name="dashboard_spa", ctx_docs=HIDDEN)
    async def spa(request: Request, path: str) -> HTTPResponse:
        # Browser routes (/board, /rooms, …) get the app; API paths and other methods a 404.
        if request.method not in ("GET", "HEAD") or http.is_api_path(request.path, public_paths):
            raise NotFound(f"No route for {request.method} {request.path}")
        static = DIST / path
        if "." in path.rsplit("/", 1)[-1] and static.is_file() and DIST in static.resolve().parents:
            return await file(static)
        return await _index(index)


async def _index(index: Any) -> HTTPResponse:
    if not index.is_file():
        return HTTPResponse(
            "<!doctype html><title>Sparkhouse</title><h1>Sparkhouse</h1>"
            "<p>The dashboard is not built. Run <code>make dashboard</code> (or "
            "<code>make run</code>) and reload.</p>",
            content_type="text/html; charset=utf-8",
        )
    return await file(index, headers={"Cache-Control": "no-cache"})

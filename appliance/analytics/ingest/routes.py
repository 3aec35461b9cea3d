"""HTTP of analytics ingestion: collect (+ ``/e``), the tracker ``/s.js``, and the Umami and
Plausible endpoints. Thin: parse the request into bytes + :class:`Client`, call the service,
shape the response."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from appliance import __version__
from appliance.analytics.access.docs import RETRY, TAG
from appliance.analytics.ingest.models import (
    AnalyticsHealth,
    CollectBody,
    Collected,
    PlausibleEvent,
    UmamiAnswer,
    UmamiSend,
)
from appliance.analytics.ingest.service import Client, IngestService
from appliance.analytics.ingest.tracker import Tracker
from appliance.platform.errors import ServiceError
from appliance.platform.http import client_ip, json_response
from appliance.platform.openapi import Doc, ErrorEnvelope, Reply

blueprint = Blueprint("analytics")

COLLECT_BODY_LIMIT = 102_400  # analytics-api.md 3.1
ADAPTER_BODY_LIMIT = 16 * 1024
EXPOSED = ", ".join(
    f"x-sparklytics-ingest-{name}"
    for name in ("ack", "queue-events", "queue-capacity", "accepted-events", "dropped-events")
)
CORS = {"ctx_cors": "reflect", "ctx_cors_expose": EXPOSED}
ADMITTED = {name.strip(): "Ingest queue state" for name in EXPOSED.split(",")}
REFUSED = {
    400: ErrorEnvelope,
    404: Reply(ErrorEnvelope, description="Unknown website"),
    413: ErrorEnvelope,
    415: ErrorEnvelope,
    422: ErrorEnvelope,
    429: Reply(ErrorEnvelope, headers=RETRY),
    503: Reply(ErrorEnvelope, description="Ingest overloaded", headers=RETRY),
}
COLLECT_DOC = Doc(
    summary="Collect page views and events (the Sparklytics tracker's endpoint)",
    tag=TAG,
    body=CollectBody,
    responses={202: Reply(Collected, headers=ADMITTED), **REFUSED},
)


def _service(request: Request) -> IngestService:
    service: IngestService = request.app.ctx.analytics.ingest
    return service


def _client(request: Request, service: IngestService) -> Client:
    headers = request.headers
    return Client(
        ip=client_ip(request, service.trusted_proxies),
        user_agent=headers.get("user-agent", ""),
        has_accept="accept" in headers,
        accept_language=headers.get("accept-language"),
    )


def _require_json(request: Request) -> None:
    content_type = request.content_type
    if content_type != "application/json":  # the common case needs no normalizing
        content_type = (content_type or "").split(";")[0].strip().lower()
    if content_type != "application/json" and not content_type.endswith("+json"):
        raise ServiceError(
            415, "unsupported_media_type", "Send the body as JSON (Content-Type: application/json)"
        )


@blueprint.route(
    "/api/collect",
    methods=["POST"],
    name="collect",
    ctx_body_limit=COLLECT_BODY_LIMIT,
    ctx_docs=COLLECT_DOC,
    **CORS,
)
@blueprint.route(
    "/e",
    methods=["POST"],
    name="collect_e",
    ctx_body_limit=COLLECT_BODY_LIMIT,
    ctx_docs=COLLECT_DOC,
    **CORS,
)
async def collect(request: Request) -> HTTPResponse:
    _require_json(request)
    service = _service(request)
    accepted = await service.collect(request.body, _client(request, service))
    return json_response({"ok": True}, 202, accepted.headers())


@blueprint.route(
    "/api/send",
    methods=["POST"],
    name="umami_send",
    ctx_body_limit=ADAPTER_BODY_LIMIT,
    ctx_docs=Doc(
        summary="Umami's tracker endpoint",
        tag=TAG,
        body=UmamiSend,
        responses={200: Reply(UmamiAnswer, headers=ADMITTED), **REFUSED},
    ),
    **CORS,
)
async def umami_send(request: Request) -> HTTPResponse:
    """Umami's tracker endpoint."""
    _require_json(request)
    service = _service(request)
    accepted, body = await service.umami(request.body, _client(request, service))
    return json_response(body, 200, accepted.headers() if accepted else None)


@blueprint.route(
    "/api/event",
    methods=["POST"],
    name="plausible_event",
    ctx_body_limit=ADAPTER_BODY_LIMIT,
    ctx_docs=Doc(
        summary="Plausible's tracker endpoint (any Content-Type: its script sends text/plain)",
        tag=TAG,
        body=PlausibleEvent,
        responses={202: Reply(str, "text/plain", "ok", ADMITTED), **REFUSED},
    ),
    **CORS,
)
async def plausible_event(request: Request) -> HTTPResponse:
    """Plausible's tracker endpoint (its script posts JSON as text/plain)."""
    service = _service(request)
    accepted = await service.plausible(request.body, _client(request, service))
    return HTTPResponse(
        "ok", status=202, headers=accepted.headers(), content_type="text/plain; charset=utf-8"
    )


@blueprint.get(
    "/s.js",
    name="tracker_script",
    ctx_docs=Doc(
        summary="The tracker script",
        tag=TAG,
        responses={200: Reply(str, "application/javascript", "The s.js tracker")},
    ),
)
async def tracker_script(request: Request) -> HTTPResponse:
    tracker: Tracker = request.app.ctx.analytics.tracker
    gzip_ok = "gzip" in request.headers.get("accept-encoding", "")
    body, headers = tracker.response(gzip_ok)
    return HTTPResponse(body, headers=headers, content_type="application/javascript; charset=utf-8")


@blueprint.get(
    "/health",
    name="analytics_health",
    ctx_cors="none",
    ctx_docs=Doc(
        summary="Whether the events store answers",
        tag=TAG,
        responses={200: AnalyticsHealth, 503: AnalyticsHealth},
    ),
)
async def health(request: Request) -> HTTPResponse:
    """Section 2: public, no CORS; 503 when the events store does not answer or the journal
    cannot commit (the reason is on /healthz)."""
    pipeline = _service(request).pipeline
    healthy = not pipeline.problems() and await pipeline.warehouse.ping()
    return json_response(
        {"status": "ok" if healthy else "degraded", "version": __version__},
        200 if healthy else 503,
    )

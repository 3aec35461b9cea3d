"""HTTP of websites (analytics-api.md section 8): create, list, get, update, delete, their
ingest limits, and share links on and off (11.5). Thin handlers: parse → service → respond;
refusals are WebsiteService's and the guard's ServiceErrors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from appliance.analytics.access.docs import (
    BODY_ROUTE,
    GUARDED,
    WEBSITE_ROUTE,
    protected_doc,
)
from appliance.analytics.access.guard import protected
from appliance.analytics.admin.models import (
    CursorQuery,
    IngestLimitsAnswer,
    IngestLimitsBody,
    ShareAnswer,
    WebsiteCreateBody,
    WebsiteCreated,
    WebsiteDetail,
    WebsitesPage,
    WebsiteUpdateBody,
    WebsiteUpdated,
    int_arg,
    parse_body,
)
from appliance.analytics.admin.websites import IngestLimits, WebsiteService
from appliance.analytics.sites.repository import Website
from appliance.platform.http import json_response
from appliance.platform.openapi import ErrorEnvelope

blueprint = Blueprint("analytics_websites")

WEBSITE_BODY_LIMIT = 16 * 1024
WEBSITE = "/api/websites/<website_id:str>"


def _websites(request: Request) -> WebsiteService:
    service: WebsiteService = request.app.ctx.analytics.websites
    return service


def _origin(request: Request) -> str:
    """The address this request came to (scheme and ``Host``, which the platform has checked
    against the server's own names): what snippets and share links use when no public URL is
    configured."""
    return f"{request.scheme}://{request.host}"


def _wall(moment: datetime) -> str:
    """Analytics-row timestamps print as DuckDB does: ``YYYY-MM-DD HH:MM:SS[.ffffff]``."""
    return str(moment.replace(tzinfo=None))


def _identity(site: Website) -> dict[str, Any]:
    """The fields every answer about one website starts with (in this order)."""
    return {
        "id": site.id,
        "tenant_id": site.tenant_id,
        "name": site.name,
        "domain": site.domain,
        "timezone": site.timezone,
    }


def _website_row(site: Website) -> dict[str, Any]:
    return {
        **_identity(site),
        "ingest_peak_eps": site.ingest_peak_eps,
        "ingest_queue_max_events": site.ingest_queue_max_events,
        "share_id": site.share_id,
        "created_at": _wall(site.created_at),
        "updated_at": _wall(site.updated_at),
    }


@blueprint.post(
    "/api/websites",
    name="websites_create",
    ctx_body_limit=WEBSITE_BODY_LIMIT,
    ctx_docs=protected_doc(
        "Add a website to track",
        {201: WebsiteCreated, **BODY_ROUTE, **GUARDED},
        body=WebsiteCreateBody,
    ),
)
@protected
async def websites_create(request: Request) -> HTTPResponse:
    body = parse_body(request, WebsiteCreateBody)
    service = _websites(request)
    site = await service.create(body.name, body.domain, body.timezone)
    return json_response(
        {
            "data": {
                **_identity(site),
                "tracking_snippet": service.tracking_snippet(site, _origin(request)),
                "created_at": _wall(site.created_at),
            }
        },
        201,
    )


@blueprint.get(
    "/api/websites",
    name="websites_list",
    ctx_docs=protected_doc(
        "The websites, by id",
        {200: WebsitesPage, 400: ErrorEnvelope, **GUARDED},
        query=CursorQuery,
    ),
)
@protected
async def websites_list(request: Request) -> HTTPResponse:
    limit = int_arg(request.args, "limit", 20, 1, 100)
    cursor = request.args.get("cursor") or None
    page = await _websites(request).page(limit, cursor)
    return json_response(
        {
            "data": [_website_row(site) for site in page.websites],
            "pagination": {
                "total": page.total,
                "limit": limit,
                "cursor": page.websites[-1].id if page.has_more and page.websites else None,
                "has_more": page.has_more,
            },
        }
    )


@blueprint.get(
    WEBSITE,
    name="websites_get",
    ctx_docs=protected_doc(
        "A website, with its tracking snippet", {200: WebsiteDetail, **WEBSITE_ROUTE}
    ),
)
@protected
async def websites_get(request: Request, website_id: str) -> HTTPResponse:
    service = _websites(request)
    site = await service.get(website_id)
    return json_response(
        {
            "data": {
                **_identity(site),
                "share_id": site.share_id,
                "tracking_snippet": service.tracking_snippet(site, _origin(request)),
                "created_at": _wall(site.created_at),
                "updated_at": _wall(site.updated_at),
            }
        }
    )


@blueprint.put(
    WEBSITE,
    name="websites_update",
    ctx_body_limit=WEBSITE_BODY_LIMIT,
    ctx_docs=protected_doc(
        "Change a website's name, domain or time zone",
        {200: WebsiteUpdated, **BODY_ROUTE, **WEBSITE_ROUTE},
        body=WebsiteUpdateBody,
    ),
)
@protected
async def websites_update(request: Request, website_id: str) -> HTTPResponse:
    body = parse_body(request, WebsiteUpdateBody)
    site = await _websites(request).update(
        website_id, name=body.name, domain=body.domain, timezone=body.timezone
    )
    return json_response(
        {
            "data": {
                "id": site.id,
                "name": site.name,
                "domain": site.domain,
                "timezone": site.timezone,
                "updated_at": _wall(site.updated_at),
            }
        }
    )


@blueprint.delete(
    WEBSITE,
    name="websites_delete",
    ctx_docs=protected_doc("Delete a website and all its data", {204: None, **WEBSITE_ROUTE}),
)
@protected
async def websites_delete(request: Request, website_id: str) -> HTTPResponse:
    await _websites(request).delete(website_id)
    return HTTPResponse(status=204)


# -- ingest limits -----------------------------------------------------------------------------


def _limits_body(limits: IngestLimits) -> dict[str, Any]:
    custom: dict[str, int] = {}
    if limits.custom_peak_events_per_sec is not None:
        custom["peak_events_per_sec"] = limits.custom_peak_events_per_sec
    if limits.custom_queue_max_events is not None:
        custom["queue_max_events"] = limits.custom_queue_max_events
    return {
        "data": {
            "website_id": limits.website_id,
            "peak_events_per_sec": limits.peak_events_per_sec,
            "queue_max_events": limits.queue_max_events,
            "custom": custom,
            "source": {
                name: "custom" if name in custom else "default"
                for name in ("peak_events_per_sec", "queue_max_events")
            },
        }
    }


@blueprint.get(
    f"{WEBSITE}/ingest-limits",
    name="websites_ingest_limits",
    ctx_docs=protected_doc("A website's ingest limits", {200: IngestLimitsAnswer, **WEBSITE_ROUTE}),
)
@protected
async def websites_ingest_limits(request: Request, website_id: str) -> HTTPResponse:
    return json_response(_limits_body(await _websites(request).ingest_limits(website_id)))


@blueprint.put(
    f"{WEBSITE}/ingest-limits",
    name="websites_ingest_limits_set",
    ctx_body_limit=WEBSITE_BODY_LIMIT,
    ctx_docs=protected_doc(
        "Set or reset a website's ingest limits",
        {200: IngestLimitsAnswer, **BODY_ROUTE, **WEBSITE_ROUTE},
        body=IngestLimitsBody,
    ),
)
@protected
async def websites_ingest_limits_set(request: Request, website_id: str) -> HTTPResponse:
    body = parse_body(request, IngestLimitsBody)
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    limits = await _websites(request).set_ingest_limits(website_id, changes)
    return json_response(_limits_body(limits))


# -- share links (11.5) ------------------------------------------------------------------------


@blueprint.post(
    f"{WEBSITE}/share",
    name="websites_share",
    ctx_docs=protected_doc("Turn the public share link on", {201: ShareAnswer, **WEBSITE_ROUTE}),
)
@protected
async def websites_share(request: Request, website_id: str) -> HTTPResponse:
    service = _websites(request)
    share_id = await service.enable_share(website_id)
    return json_response(
        {
            "data": {
                "share_id": share_id,
                "share_url": service.share_url(share_id, _origin(request)),
            }
        },
        201,
    )


@blueprint.delete(
    f"{WEBSITE}/share",
    name="websites_unshare",
    ctx_docs=protected_doc("Turn the public share link off", {204: None, **WEBSITE_ROUTE}),
)
@protected
async def websites_unshare(request: Request, website_id: str) -> HTTPResponse:
    await _websites(request).disable_share(website_id)
    return HTTPResponse(status=204)

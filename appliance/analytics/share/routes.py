"""HTTP of the public share links (analytics-api.md 11.5): ``GET /api/share/<id>/<report>``.
No auth and no CORS layer (1.4): the share id is the credential. Thin handler: the rate limit
(before anything else), the website behind the id, the query string, the report."""

from __future__ import annotations

from typing import cast

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from appliance.analytics.access.docs import RETRY, TAG
from appliance.analytics.ingest.service import IngestService
from appliance.analytics.query.models import ANSWERS, DatesQuery, ShareMetricsQuery
from appliance.analytics.query.routes import params_of
from appliance.analytics.share.service import SHARE_REPORTS, Report, ShareService
from appliance.platform.http import client_ip, json_response
from appliance.platform.openapi import Doc, ErrorEnvelope, Reply

blueprint = Blueprint("analytics_share")


async def share_report(request: Request, share_id: str) -> HTTPResponse:
    shares: ShareService = request.app.ctx.analytics.shares
    ingest: IngestService = request.app.ctx.analytics.ingest
    shares.hit(client_ip(request, ingest.trusted_proxies))
    site = await shares.website(share_id)
    report = cast(Report, request.path.rsplit("/", 1)[-1])  # one of the routes below
    params = params_of(request, "share_metrics" if report == "metrics" else "share")
    return json_response(await shares.report(site, report, params))


for _report in SHARE_REPORTS:
    blueprint.add_route(
        share_report,
        f"/api/share/<share_id:str>/{_report}",
        methods=["GET"],
        name=f"share_{_report}",
        ctx_cors="none",  # section 1.4: public share routes have no CORS layer
        ctx_docs=Doc(
            summary=f"A shared dashboard's {_report} (no login: the share id is the key)",
            tag=TAG,
            query=ShareMetricsQuery if _report == "metrics" else DatesQuery,
            responses={
                200: ANSWERS[_report],
                400: ErrorEnvelope,
                404: ErrorEnvelope,
                429: Reply(ErrorEnvelope, headers=RETRY),
                503: Reply(ErrorEnvelope, headers=RETRY),
            },
        ),
        ctx_secret_params=("share_id",),  # the link's credential: never in a log
    )

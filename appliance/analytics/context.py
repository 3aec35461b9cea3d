"""The analytics part's typed context: its services, built once, kept on ``app.ctx.analytics``.

Routes read the service they need from it (``request.app.ctx.analytics.queries``); nothing
builds a service lazily on first use, and nothing else is kept on ``app.ctx``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from appliance.analytics.access.auth import AnalyticsAuth
    from appliance.analytics.admin.goals import GoalService
    from appliance.analytics.admin.websites import WebsiteService
    from appliance.analytics.ingest.service import IngestService
    from appliance.analytics.ingest.tracker import Tracker
    from appliance.analytics.query.service import QueryService
    from appliance.analytics.settings import AnalyticsSettings
    from appliance.analytics.share.service import ShareService
    from appliance.platform.store import Store


@dataclass(frozen=True)
class AnalyticsContext:
    settings: AnalyticsSettings
    store: Store
    ingest: IngestService
    tracker: Tracker
    auth: AnalyticsAuth
    websites: WebsiteService
    queries: QueryService
    goals: GoalService
    shares: ShareService

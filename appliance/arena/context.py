"""The arena's typed context, on ``app.ctx.arena``: its settings and services."""

from __future__ import annotations

from dataclasses import dataclass

from appliance.arena.accounts.service import AccountService
from appliance.arena.http import RateLimits
from appliance.arena.settings import ArenaSettings


@dataclass(frozen=True)
class ArenaContext:
    settings: ArenaSettings
    frontend_origins: frozenset[str]
    """The normalised frontend origins: CORS with credentials, and cookie writes from them."""
    limits: RateLimits
    accounts: AccountService

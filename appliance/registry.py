"""The parts of the appliance, in lifecycle order (server.py and cli.py iterate over them)."""

from __future__ import annotations

from typing import Any

from appliance.analytics import PART as ANALYTICS
from appliance.arena import PART as ARENA
from appliance.clicker import PART as CLICKER
from appliance.platform.parts import Part
from appliance.rooms import PART as ROOMS
from appliance.sparks import PART as SPARKS

PARTS: tuple[Part[Any, Any], ...] = (SPARKS, ROOMS, CLICKER, ANALYTICS, ARENA)

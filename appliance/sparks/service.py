"""Spark validation and broadcast; no HTTP here."""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from appliance.platform.ratelimit import RateLimiter
from appliance.platform.realtime.broker import Broker
from appliance.settings import Settings
from appliance.sparks.channels import BOARD_TOPIC, SPARK_EVENT
from appliance.sparks.models import BOARD_SIZE, SparkEvent

_INTEGER = re.compile(r"^[+-]?\d{1,9}$")


class InvalidSpark(Exception):
    """The input is not a spark; ``errors`` maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("invalid spark")
        self.errors = errors


def path_coordinate(raw: str) -> int | str:
    """A path segment as an integer when it is one; otherwise left as text, so validation
    names the field instead of the router answering 404."""
    return int(raw) if _INTEGER.match(raw) else raw


def field_errors(error: ValidationError) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for item in error.errors(include_url=False):
        field = str(item["loc"][0]) if item["loc"] else "body"
        message = item["msg"]
        if item["loc"][1:]:
            message = f"item {'.'.join(str(p) for p in item['loc'][1:])}: {message}"
        errors.setdefault(field, []).append(message)
    return errors


def is_board_position(x: str, y: str) -> bool:
    """Whether two path segments name a cell of the board (both integers in range)."""
    return all(
        isinstance(value, int) and 0 <= value < BOARD_SIZE
        for value in (path_coordinate(x), path_coordinate(y))
    )


class SparkService:
    def __init__(self, broker: Broker, settings: Settings) -> None:
        self.broker = broker
        self.limiter = RateLimiter(settings.sparks.rate_per_minute)
        self.trusted_proxies = settings.server.trusted_proxies

    def validate(self, x: str, y: str, body: dict[str, Any]) -> SparkEvent:
        conflicts = {name for name in ("x", "y") if name in body}
        if conflicts:
            raise InvalidSpark(
                {
                    name: ["is given by the URL path; leave it out of the body"]
                    for name in sorted(conflicts)
                }
            )
        try:
            return SparkEvent.model_validate(
                {**body, "x": path_coordinate(x), "y": path_coordinate(y)}
            )
        except ValidationError as exc:
            raise InvalidSpark(field_errors(exc)) from None

    def broadcast(self, spark: dict[str, Any]) -> int:
        """Publish a validated spark (``SparkEvent.model_dump()``) to the board."""
        return self.broker.publish(BOARD_TOPIC, SPARK_EVENT, {"data": spark})

"""Goals (analytics-api.md 11.3): definitions in the platform store (``goals`` table,
revision ``analytics_0002_goals``); their conversion statistics are query/goals.py. No HTTP here.

Validation failures are ``422`` with the offending ``field``; a second goal of the same name
is ``duplicate_name``, the 51st goal of a website ``limit_exceeded``.
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from appliance.analytics.admin.models import ADMIN_WORDING
from appliance.platform.clock import utc_now
from appliance.platform.errors import ServiceError
from appliance.platform.ids import random_id
from appliance.platform.store import Store
from appliance.platform.validation import validate

MAX_GOALS_PER_WEBSITE = 50

GoalType = Literal["page_view", "event"]
MatchOperator = Literal["equals", "contains"]
ValueMode = Literal["none", "fixed", "event_property"]


class _GoalFields(BaseModel):
    """The constraints shared by create and update (absent = not given)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    name: str | None = Field(None, min_length=1, max_length=100)
    match_value: str | None = Field(None, min_length=1, max_length=500)
    match_operator: MatchOperator | None = None
    value_mode: ValueMode | None = None
    fixed_value: float | None = Field(None, ge=0)
    value_property_key: str | None = Field(None, min_length=1, max_length=200)
    currency: str | None = Field(None, min_length=1, max_length=8)

    @field_validator("fixed_value", mode="before")
    @classmethod
    def _number(cls, value: Any) -> Any:
        # strict mode refuses an int for a float; 10 is a fine fixed value
        return float(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("name", "match_value", "value_property_key", "currency")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be blank")
        return value.strip() if value is not None else None


class GoalCreate(_GoalFields):
    name: str = Field(min_length=1, max_length=100)
    goal_type: GoalType
    match_value: str = Field(min_length=1, max_length=500)


class GoalUpdate(_GoalFields):
    """``PUT``: every field optional; ``goal_type`` cannot change (Sparklytics)."""


class GoalError(ServiceError):
    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(422, code, message, field)


def parse_goal(model: type[_GoalFields], body: Any) -> _GoalFields:
    """Validate a decoded JSON body; the first failure is a 422 naming its field."""
    if not isinstance(body, dict):
        raise GoalError("validation_error", "The body must be a JSON object")
    return validate(model, body, wording=ADMIN_WORDING)


def _check_value_mode(
    value_mode: str, fixed_value: float | None, value_property_key: str | None
) -> None:
    if value_mode == "fixed" and fixed_value is None:
        raise GoalError(
            "validation_error", "fixed_value is required when value_mode is fixed", "fixed_value"
        )
    if value_mode == "event_property" and value_property_key is None:
        raise GoalError(
            "validation_error",
            "value_property_key is required when value_mode is event_property",
            "value_property_key",
        )


def _goal(row: Any) -> dict[str, Any]:
    mapping = row._mapping
    return {
        "id": mapping["id"],
        "website_id": mapping["website_id"],
        "name": mapping["name"],
        "goal_type": mapping["goal_type"],
        "match_value": mapping["match_value"],
        "match_operator": mapping["match_operator"],
        "value_mode": mapping["value_mode"],
        "fixed_value": mapping["fixed_value"],
        "value_property_key": mapping["value_property_key"],
        "currency": mapping["currency"],
        "created_at": mapping["created_at"].isoformat(sep=" "),
        "updated_at": mapping["updated_at"].isoformat(sep=" "),
    }


def _duplicate() -> GoalError:
    return GoalError("duplicate_name", "A goal with this name already exists", "name")


class GoalService:
    def __init__(self, store: Store) -> None:
        self.store = store
        # Count-then-insert must not interleave (the 50-goal limit); one process owns the store.
        self._write_lock = asyncio.Lock()

    async def list(self, website_id: str) -> list[dict[str, Any]]:
        from appliance.analytics.sites import tables as sql  # SQLAlchemy loads with the first query

        async with self.store.session() as session:
            rows = (await session.execute(sql.goals_of(website_id))).all()
        return [_goal(row) for row in rows]

    async def get(self, website_id: str, goal_id: str) -> dict[str, Any]:
        from appliance.analytics.sites import tables as sql  # SQLAlchemy loads with the first query

        async with self.store.session() as session:
            row = (await session.execute(sql.goal_by_id(website_id, goal_id))).first()
        if row is None:
            raise ServiceError(404, "not_found", "Goal not found")
        return _goal(row)

    async def create(self, website_id: str, body: Any) -> dict[str, Any]:
        from appliance.analytics.sites import tables as sql  # SQLAlchemy loads with the first query

        request = parse_goal(GoalCreate, body)
        assert isinstance(request, GoalCreate)
        value_mode = request.value_mode or "none"
        _check_value_mode(value_mode, request.fixed_value, request.value_property_key)
        now = utc_now()
        values = {
            "id": random_id(21, "goal_"),
            "website_id": website_id,
            "name": request.name,
            "goal_type": request.goal_type,
            "match_value": request.match_value,
            "match_operator": request.match_operator or "equals",
            "value_mode": value_mode,
            # only the setting of the chosen mode is kept
            "fixed_value": request.fixed_value if value_mode == "fixed" else None,
            "value_property_key": (
                request.value_property_key if value_mode == "event_property" else None
            ),
            "currency": request.currency or "USD",
            "created_at": now,
            "updated_at": now,
        }
        async with self._write_lock, self.store.session() as session, session.begin():
            count = await session.scalar(sql.goal_count(website_id))
            if (count or 0) >= MAX_GOALS_PER_WEBSITE:
                raise GoalError(
                    "limit_exceeded",
                    f"A website can have at most {MAX_GOALS_PER_WEBSITE} goals",
                )
            if await self._name_taken(session, website_id, request.name, None):
                raise _duplicate()
            try:
                await session.execute(sql.insert_goal(**values))
            except sql.IntegrityError:
                raise _duplicate() from None
        return await self.get(website_id, str(values["id"]))

    async def update(self, website_id: str, goal_id: str, body: Any) -> dict[str, Any]:
        from appliance.analytics.sites import tables as sql  # SQLAlchemy loads with the first query

        request = parse_goal(GoalUpdate, body)
        existing = await self.get(website_id, goal_id)
        given = request.model_dump(exclude_unset=True)
        merged = {**existing, **{key: value for key, value in given.items() if value is not None}}
        value_mode = merged["value_mode"]
        _check_value_mode(value_mode, merged["fixed_value"], merged["value_property_key"])
        changes = {
            "name": merged["name"],
            "match_value": merged["match_value"],
            "match_operator": merged["match_operator"],
            "value_mode": value_mode,
            "fixed_value": merged["fixed_value"] if value_mode == "fixed" else None,
            "value_property_key": (
                merged["value_property_key"] if value_mode == "event_property" else None
            ),
            "currency": merged["currency"],
            "updated_at": utc_now(),
        }
        async with self._write_lock, self.store.session() as session, session.begin():
            if changes["name"] != existing["name"] and await self._name_taken(
                session, website_id, changes["name"], goal_id
            ):
                raise _duplicate()
            try:
                result = await session.execute(sql.update_goal(website_id, goal_id, **changes))
            except sql.IntegrityError:
                raise _duplicate() from None
            if not result.rowcount:  # type: ignore[attr-defined]
                raise ServiceError(404, "not_found", "Goal not found")
        return await self.get(website_id, goal_id)

    async def delete(self, website_id: str, goal_id: str) -> None:
        from appliance.analytics.sites import tables as sql  # SQLAlchemy loads with the first query

        async with self._write_lock, self.store.session() as session, session.begin():
            result = await session.execute(sql.delete_goal(website_id, goal_id))
        if not result.rowcount:  # type: ignore[attr-defined]
            raise ServiceError(404, "not_found", "Goal not found")

    @staticmethod
    async def _name_taken(session: Any, website_id: str, name: str, other_than: str | None) -> bool:
        from appliance.analytics.sites import tables as sql  # SQLAlchemy loads with the first query

        query = sql.goal_named(website_id, name, other_than)
        return (await session.execute(query)).first() is not None

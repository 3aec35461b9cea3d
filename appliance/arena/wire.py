"""The wire conventions of CodinCod's API (codincod-contract.md §1), in one place: 24-hex ids
under ``_id``, ISO-8601 UTC dates with milliseconds and ``Z``, and the page of a list. No HTTP.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from appliance.platform.ids import object_id

_ID = re.compile(r"[0-9a-f]{24}")

new_id = object_id
"""A new arena id."""


def is_id(value: object) -> bool:
    """Whether ``value`` is a 24-hex id (lower case, as the arena makes and CodinCod sends)."""
    return isinstance(value, str) and _ID.fullmatch(value) is not None


def iso(moment: datetime) -> str:
    """``2025-10-31T21:11:22.000Z`` from a naive UTC datetime (the store's form)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def stored_iso(stored: str) -> str:
    """:func:`iso` of a date as the store keeps it, read as text: SQLAlchemy's SQLite form
    ``2025-10-31 21:11:22.000123`` is sliced, not parsed (a comment thread has two thousand
    dates); any other form goes through :class:`datetime`."""
    if len(stored) == 26 and stored[10] == " " and stored[19] == ".":
        return f"{stored[:10]}T{stored[11:23]}Z"
    return iso(datetime.fromisoformat(stored))


IsoDate = Annotated[datetime, PlainSerializer(iso, return_type=str, when_used="json-unless-none")]
"""A naive-UTC datetime that serialises as CodinCod's ISO text."""


class Wire(BaseModel):
    """Base of the arena's answers: camelCase field names as written, ``_id`` as ``id_``."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


ItemT = TypeVar("ItemT")


class PageQuery(BaseModel):
    """``?page&pageSize`` (§1): page ≥ 1 (1), pageSize 1–100 (10); strings are coerced."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(10, ge=1, le=100, alias="pageSize")

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


class Page(Wire, Generic[ItemT]):
    """A page of a list: ``{page, pageSize, totalPages, totalItems, items}``."""

    page: int
    page_size: int = Field(alias="pageSize")
    total_pages: int = Field(alias="totalPages")
    total_items: int = Field(alias="totalItems")
    items: list[ItemT]

    @classmethod
    def of(cls, query: PageQuery, items: list[Any], total: int) -> Page[Any]:
        return cls(
            page=query.page,
            page_size=query.page_size,
            total_pages=math.ceil(total / query.page_size) if total else 0,
            total_items=total,
            items=items,
        )

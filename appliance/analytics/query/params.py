"""The query string of every analytics read, parsed once: :class:`QueryParams`.

One pydantic model holds the names of analytics-api.md 9.1 (dates, ``timezone``, the filters,
``include_bots``, the comparison) and the few a route adds (``granularity``, metrics' ``type``,
``limit`` and ``offset``, sessions' ``cursor``, ``event_name``, export's ``format``). Routes
differ in how strict they are; each validates the same model under its rules (rules.py, by
endpoint): lenient 9.1 dates or the export's strict ones (dates.py), the 90-day cap of reports
and share links, stats' two-letter country, 11.2's numeric booleans and non-blank
``timezone``. A refusal is a 400 ``validation_error`` ServiceError with the first problem's
message (no ``field``, as the spec's answers).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

import orjson
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from appliance.analytics.query.dates import (
    EARLIEST,
    LATEST,
    DateRange,
    lenient_range,
    minus_year,
    strict_date,
    strict_range,
)
from appliance.analytics.query.rules import RULES, Endpoint, Rules
from appliance.analytics.query.zones import parse_zone
from appliance.analytics.warehouse.urls import page_path
from appliance.platform.clock import utc_now
from appliance.platform.errors import Wording
from appliance.platform.validation import validate

CompareMode = Literal["previous_period", "previous_year", "custom"]
T = TypeVar("T")

PARAMS_WORDING = Wording(code="validation_error", field="none", message="bare")
"""How a query string is refused (a 400): ``validation_error`` with the first problem's own
message, naming no field."""

EVENT_NAME_MAX_CHARS = 255
MAX_OFFSET = 100_000
"""The deepest page a breakdown serves (rows skipped): far past any page a person reads, and
within what the warehouse takes as a number."""
_COUNTRY = re.compile(r"^[A-Z]{2}$")
SESSION_ID = re.compile(r"^[0-9a-f]{16}$")

# filter parameter → events column (all equality except page and hostname)
EQUALITY_FILTERS: dict[str, str] = {
    "filter_country": "country",
    "filter_referrer": "referrer_domain",
    "filter_browser": "browser",
    "filter_os": "os",
    "filter_language": "language",
    "filter_region": "region",
    "filter_city": "city",
    "filter_device": "device_type",
    "filter_utm_source": "utm_source",
    "filter_utm_medium": "utm_medium",
    "filter_utm_campaign": "utm_campaign",
}
# metrics' type → events column
METRIC_COLUMNS: dict[str, str] = {
    "page": "page",  # the path of url (warehouse/urls.py)
    "referrer": "referrer_domain",
    "country": "country",
    "region": "region",
    "city": "city",
    "browser": "browser",
    "os": "os",
    "device": "device_type",
    "screen": "screen",
    "event_name": "event_name",
    "language": "language",
    "utm_source": "utm_source",
    "utm_medium": "utm_medium",
    "utm_campaign": "utm_campaign",
}


def _refuse(message: str) -> PydanticCustomError:
    return PydanticCustomError("validation_error", message)


def _refusing(parse: Callable[[Any], T], value: Any) -> T:
    """``parse(value)``, its ValueError's message made the refusal."""
    try:
        return parse(value)
    except ValueError as error:
        raise _refuse(str(error)) from None


def _rules(info: ValidationInfo) -> Rules:
    rules: Rules = (info.context or {}).get("rules", RULES["stats"])
    return rules


def _integer(value: Any, name: str) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        raise _refuse(f"{name}: expected an integer") from None


def encode_cursor(last_seen: datetime, session_id: str) -> str:
    """Opaque to clients: the sort key of the last session of a page."""
    raw = orjson.dumps([last_seen.isoformat(), session_id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The sort key in a cursor; ValueError when it is no cursor of :func:`encode_cursor`."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        last_seen, session_id = orjson.loads(raw)
        if not isinstance(session_id, str) or not SESSION_ID.match(session_id):
            raise ValueError(session_id)
        return datetime.fromisoformat(last_seen), session_id
    except (binascii.Error, ValueError, TypeError, orjson.JSONDecodeError):
        raise ValueError("cursor is malformed; pass back the next_cursor of a response") from None


class _Scope(BaseModel):
    """The dates, zone and bots of a read: the fields :class:`QueryParams` validates first."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    range: DateRange  # from start_date and end_date (see QueryParams._date_range)
    zone: ZoneInfo | None = Field(None, validation_alias="timezone")  # None: UTC midnights
    include_bots: bool = False


class Filters(BaseModel):
    """The filters of 9.1, named as the query string names them: the equality ones
    (:data:`EQUALITY_FILTERS`), ``filter_page`` and ``filter_hostname``. Declared once, for the
    parser (:class:`QueryParams`) and for the API document (models.py)."""

    filter_country: str | None = None
    filter_referrer: str | None = None
    filter_browser: str | None = None
    filter_os: str | None = None
    filter_language: str | None = None
    filter_region: str | None = None
    filter_city: str | None = None
    filter_device: str | None = None
    filter_utm_source: str | None = None
    filter_utm_medium: str | None = None
    filter_utm_campaign: str | None = None
    page: str | None = Field(
        None,
        validation_alias="filter_page",
        description="the page (the URL's path) contains this path; a full URL counts by its path",
    )
    hostname: str | None = Field(None, validation_alias="filter_hostname")


class QueryParams(Filters, _Scope):
    """The parameters of one analytics read. Fields are validated in order, and the first
    refusal is the answer: dates, zone, bots (:class:`_Scope`: pydantic takes the last base's
    fields first), filters (:class:`Filters`), comparison, then the route's own names."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    compare_mode: CompareMode | None = None
    compare_start_date: date | None = Field(None, validate_default=True)
    compare_end_date: date | None = Field(None, validate_default=True)
    # OURS (issue 21), opt-in so that prev_* stay Sparklytics' whole periods by default
    compare_elapsed: bool = False
    include_event_names: bool = False  # OURS (issue 21): realtime's events with their names
    granularity: str | None = None  # as given (pageviews and events decide)
    metric_type: str | None = Field(None, validation_alias="type", validate_default=True)
    limit: int = Field(10, validate_default=True)
    offset: int = 0
    cursor: tuple[datetime, str] | None = None  # the sort key after which a page starts
    event_name: str | None = Field(None, validate_default=True)
    format: Literal["csv"] = "csv"

    @model_validator(mode="before")
    @classmethod
    def _date_range(cls, data: Any, info: ValidationInfo) -> Any:
        """``range`` from ``start_date`` and ``end_date``: reversed, out of bounds or longer
        than the route allows → refused."""
        if not isinstance(data, Mapping):
            return data
        rules = _rules(info)
        today = (info.context or {}).get("today") or utc_now().date()
        strict = rules.strict_range
        span = _refusing(strict_range, data) if strict else lenient_range(data, today)
        if span.end < span.start:
            raise _refuse("end_date must be on or after start_date")
        if span.start < EARLIEST or span.end > LATEST:
            raise _refuse(f"dates must be between {EARLIEST} and {LATEST}")
        if rules.max_days is not None and span.days > rules.max_days:
            raise _refuse(f"date range too large: {span.days} days (max {rules.max_days})")
        return {**data, "range": span}

    @field_validator("zone", mode="before")
    @classmethod
    def _zone(cls, value: Any, info: ValidationInfo) -> ZoneInfo | None:
        if isinstance(value, str) and _rules(info).timezone_not_blank and not value.strip():
            raise _refuse("timezone must not be blank")
        return _refusing(parse_zone, value)

    @field_validator("include_bots", mode="before")
    @classmethod
    def _bots(cls, value: Any, info: ValidationInfo) -> bool:
        if isinstance(value, bool):
            return value
        if _rules(info).numeric_bools:
            value = {"1": "true", "0": "false"}.get(value, value)
        if value in ("true", "false"):
            return bool(value == "true")
        raise _refuse("include_bots: expected true or false")

    @field_validator("compare_elapsed", "include_event_names", mode="before")
    @classmethod
    def _flag(cls, value: Any, info: ValidationInfo) -> bool:
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return bool(value == "true")
        raise _refuse(f"{info.field_name}: expected true or false")

    @field_validator("filter_country")
    @classmethod
    def _country(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and _rules(info).country_code and not _COUNTRY.match(value):
            raise _refuse("filter_country must be a 2-letter upper-case country code")
        return value

    @field_validator("page")
    @classmethod
    def _page(cls, value: str | None) -> str | None:
        """A path, or a full URL standing for its path (its query and fragment dropped)."""
        return None if value is None else page_path(value)

    @field_validator("compare_mode", mode="before")
    @classmethod
    def _compare_mode(cls, value: Any) -> str | None:
        text = value or "none"
        if text == "none":
            return None
        if text not in ("previous_period", "previous_year", "custom"):
            raise _refuse(f"compare_mode: invalid value {text!r}")
        return str(text)

    @field_validator("compare_start_date", "compare_end_date", mode="before")
    @classmethod
    def _compare_date(cls, value: Any, info: ValidationInfo) -> date | None:
        """Strict, and required with ``compare_mode=custom``; ignored otherwise."""
        if info.data.get("compare_mode") != "custom":
            return None
        parsed = strict_date(value)
        if parsed is None:
            name = info.field_name
            raise _refuse(
                f"{name} is required as YYYY-MM-DD" if value is None else f"{name}: invalid date"
            )
        return parsed

    @field_validator("compare_end_date")
    @classmethod
    def _compare_range(cls, end: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("compare_start_date")
        if end is None or start is None:
            return end
        if end < start:
            raise _refuse("compare_end_date must be on or after compare_start_date")
        if start < EARLIEST or end > LATEST:
            raise _refuse(f"dates must be between {EARLIEST} and {LATEST}")
        primary: DateRange | None = info.data.get("range")
        # previous_period and previous_year are as long as the range (or a day shorter)
        if primary is not None and DateRange(start, end).days > 2 * primary.days:
            raise _refuse("the comparison range must not be longer than twice the primary range")
        return end

    @field_validator("metric_type", mode="before")
    @classmethod
    def _metric_type(cls, value: Any, info: ValidationInfo) -> str | None:
        if not _rules(info).metric:
            return None
        if value is None:
            raise _refuse("type is required")
        if value not in METRIC_COLUMNS:
            raise _refuse(f"invalid metric type: {value}")
        return str(value)

    @field_validator("limit", mode="before")
    @classmethod
    def _limit(cls, value: Any, info: ValidationInfo) -> int:
        limit = _rules(info).limit
        if limit is None:
            return 10
        if not isinstance(value, str):  # absent: the field's own default comes here
            return limit.default
        if limit.clamp:
            return min(max(_integer(value, "limit"), 1), limit.maximum)
        try:
            number = int(value)
        except ValueError:
            raise _refuse(f"limit must be an integer from 1 to {limit.maximum}") from None
        if not 1 <= number <= limit.maximum:
            raise _refuse(f"limit must be from 1 to {limit.maximum}")
        return number

    @field_validator("offset", mode="before")
    @classmethod
    def _offset(cls, value: Any, info: ValidationInfo) -> int:
        limit = _rules(info).limit
        if limit is None or not limit.clamp:
            return 0
        offset = max(_integer(value, "offset"), 0)
        if offset > MAX_OFFSET:
            raise _refuse(f"offset must be at most {MAX_OFFSET}")
        return offset

    @field_validator("cursor", mode="before")
    @classmethod
    def _cursor(cls, value: Any, info: ValidationInfo) -> tuple[datetime, str] | None:
        if not value or not _rules(info).cursor:
            return None
        return _refusing(decode_cursor, value)

    @field_validator("event_name", mode="before")
    @classmethod
    def _event_name(cls, value: Any, info: ValidationInfo) -> str | None:
        if not _rules(info).event_name:
            return None
        if value is None or not value.strip():
            raise _refuse("event_name is required")
        if len(value) > EVENT_NAME_MAX_CHARS:
            raise _refuse(f"event_name must be at most {EVENT_NAME_MAX_CHARS} characters")
        return str(value)

    @field_validator("format", mode="before")
    @classmethod
    def _format(cls, value: Any, info: ValidationInfo) -> str:
        if value != "csv" and _rules(info).csv_format:
            raise _refuse(f"unsupported format: {value}; only 'csv' is supported")
        return "csv"

    @property
    def equality(self) -> tuple[tuple[str, str], ...]:
        """The equality filters as (events column, value)."""
        given = ((column, getattr(self, name)) for name, column in EQUALITY_FILTERS.items())
        return tuple((column, value) for column, value in given if value is not None)

    @property
    def needs_url(self) -> bool:
        """Whether a filter reads the URL (its page or its host)."""
        return self.page is not None or self.hostname is not None

    @property
    def compare(self) -> DateRange | None:
        """The comparison range of ``compare_mode`` (None without one)."""
        if self.compare_mode == "previous_period":
            return self.range.previous()
        if self.compare_mode == "previous_year":
            return DateRange(minus_year(self.range.start), minus_year(self.range.end))
        if self.compare_start_date is not None and self.compare_end_date is not None:
            return DateRange(self.compare_start_date, self.compare_end_date)
        return None

    def compare_meta(self) -> dict[str, Any] | None:
        compare = self.compare
        if self.compare_mode is None or compare is None:
            return None
        return {
            "mode": self.compare_mode,
            "primary_range": self.range.labels(),
            "comparison_range": compare.labels(),
        }

    def previous(self) -> DateRange:
        """The comparison range, or the period of equal length just before the range."""
        return self.compare or self.range.previous()


def parse_params(
    args: Mapping[str, Any], endpoint: Endpoint = "stats", *, today: date | None = None
) -> QueryParams:
    """The query string ``args`` (a name → a value, or Sanic's name → list of values) read
    under the rules of ``endpoint``; a refusal raises a 400 ServiceError."""
    rules = RULES[endpoint]
    given: dict[str, str] = {}
    for name, value in args.items():
        first = (value[0] if value else None) if isinstance(value, list) else value
        if first is None or (rules.blank_is_absent and first == ""):
            continue
        if rules.names is None or name in rules.names:
            given[name] = str(first)
    context = {"rules": rules, "today": today}
    return validate(QueryParams, given, status=400, wording=PARAMS_WORDING, context=context)

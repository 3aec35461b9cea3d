"""Expensive reads are refused before any work, with a 400 that names the limit: a series of
more than MAX_BUCKETS buckets (range × granularity) and a breakdown offset past MAX_OFFSET
(issue 15, item 12: a 1,000-year daily series took seconds and tens of MB; a huge offset
was a 500)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from appliance.analytics.query.params import MAX_OFFSET, parse_params
from appliance.analytics.query.timeseries import MAX_BUCKETS
from appliance.platform.errors import ServiceError
from tests.analytics.query.conftest import Get

LAST = date(2999, 12, 30)  # the latest day a range may end: 365,000 days fit before it


def _start(days: int) -> str:
    return (LAST - timedelta(days=days - 1)).isoformat()


@pytest.mark.parametrize(
    ("days", "granularity"),
    [
        (365_000, "day"),  # the review's 1,000-year daily series
        (365_000, None),  # automatic: monthly, still 12,000 buckets
        (MAX_BUCKETS + 1, "day"),
        (MAX_BUCKETS // 24 + 1, "hour"),
    ],
)
def test_a_series_of_too_many_buckets_is_refused_naming_the_limit(
    get: Get, days: int, granularity: str | None
) -> None:
    params = {"start_date": _start(days), "end_date": LAST.isoformat()}
    if granularity:
        params["granularity"] = granularity
    body = get("pageviews", status=400, **params)
    assert body["error"]["code"] == "validation_error"
    assert f"max {MAX_BUCKETS}" in body["error"]["message"]
    assert "too many buckets" in body["error"]["message"]


def test_a_series_at_the_bucket_limit_is_answered(get: Get) -> None:
    days = MAX_BUCKETS
    data = get("pageviews", start_date=_start(days), end_date=LAST.isoformat(), granularity="day")
    assert len(data["data"]["series"]) == MAX_BUCKETS
    hours = MAX_BUCKETS // 24
    data = get("pageviews", start_date=_start(hours), end_date=LAST.isoformat(), granularity="hour")
    assert len(data["data"]["series"]) == hours * 24


@pytest.mark.parametrize("offset", [str(10**20), str(2**63), str(MAX_OFFSET + 1)])
def test_a_huge_offset_is_refused_naming_the_limit(get: Get, offset: str) -> None:
    body = get("metrics", status=400, type="page", offset=offset)
    assert body["error"] == {
        "code": "validation_error",
        "message": f"offset must be at most {MAX_OFFSET}",
        "field": None,
    }


def test_an_offset_at_the_limit_is_an_empty_page(get: Get) -> None:
    body = get("metrics", type="page", offset=str(MAX_OFFSET))
    assert body["data"]["rows"] == []
    assert body["pagination"]["offset"] == MAX_OFFSET


def test_the_offset_limit_is_the_parameters_refusal() -> None:
    with pytest.raises(ServiceError) as refused:
        parse_params({"type": "page", "offset": str(10**30)}, "metrics")
    assert (refused.value.status, refused.value.message) == (
        400,
        f"offset must be at most {MAX_OFFSET}",
    )

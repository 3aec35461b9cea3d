"""What the server adds to an event (analytics-api.md 3.4, 3.5), end to end: events posted
through a trusted proxy (127.0.0.1/32 sends X-Forwarded-For) with GeoIP's known test addresses,
then read from DuckDB after the server stopped."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.analytics.conftest import (
    BROWSER_HEADERS,
    CITY_DB,
    FAST,
    add_website,
    marker,
    query,
    stop,
)
from tests.conftest import start_server

IPHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
IPAD_UA = IPHONE_UA.replace("iPhone; CPU iPhone OS", "iPad; CPU OS")
FIREFOX_LINUX_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"
GOOGLEBOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"

CASES: dict[str, dict[str, Any]] = {}  # name -> {"event": {...}, "headers": {...}}


def case(name: str, headers: dict[str, str] | None = None, **event: Any) -> None:
    CASES[name] = {
        "event": {"type": "pageview", "url": f"/{name}/{marker()}", **event},
        "headers": {**BROWSER_HEADERS, **(headers or {})},
    }


case("london", {"X-Forwarded-For": "81.2.69.142"})
case("linkoping", {"X-Forwarded-For": "89.160.20.128"})
case("boxford", {"X-Forwarded-For": "2.125.160.216"})
case("milton", {"X-Forwarded-For": "216.160.83.56"})
case("ipv6", {"X-Forwarded-For": "2001:480:10::1"})
case("bhutan", {"X-Forwarded-For": "67.43.156.1"})
case("no-record", {"X-Forwarded-For": "8.8.8.8"})
case("private", {"X-Forwarded-For": "10.1.2.3"})
case("loopback")
case("hn", referrer="https://News.YCombinator.com/item?id=1")
case("bare-referrer", referrer="http://example.org")
case("empty-referrer", referrer="")
case("utm-url", url_suffix="?utm_source=news+letter&utm_medium=email&utm_campaign=&x=1")
case("utm-explicit", url_suffix="?utm_source=from_url&utm_term=t", utm_source="explicit")
case("screen-parts", screen_width=1280, screen_height=720)
case("screen-wins", screen="800x600", screen_width=1, screen_height=2)
case("language", language="de-CH")
case("event-data", type="event", event_name="signup", event_data={"plan": "pro", "n": [1, 2]})
case("sql-text", type="event", event_name="x'); DROP TABLE events; --", referrer="' OR 1=1 --")
case("iphone", {"User-Agent": IPHONE_UA})
case("ipad", {"User-Agent": IPAD_UA})
case("firefox", {"User-Agent": FIREFOX_LINUX_UA})
case("no-ua", {"User-Agent": ""})
case("googlebot", {"User-Agent": GOOGLEBOT_UA})
case("curl", {"User-Agent": "curl/8.5.0"})
case("no-accept-language", {"Accept-Language": ""})
case("given-visitor", visitor_id="user-42")
case("too-long-visitor", visitor_id="v" * 65)
case("same-ip-ua-1", {"X-Forwarded-For": "81.2.69.142"})
case("same-ip-ua-2", {"X-Forwarded-For": "81.2.69.142"})
case("other-ua", {"X-Forwarded-For": "81.2.69.142", "User-Agent": FIREFOX_LINUX_UA})
case("other-site", {"X-Forwarded-For": "81.2.69.142"}, other_site=True)


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, Any]]]:
    data_dir = tmp_path_factory.mktemp("enrich") / "data"
    site = add_website(data_dir, "example.com")
    other = add_website(data_dir, "example.net")
    server = start_server(data_dir, env={**FAST, "SPARKLYTICS_GEOIP_PATH": str(CITY_DB)})
    batch_urls: list[str] = []
    with httpx.Client(base_url=server.url, timeout=10) as client:
        for name, spec in CASES.items():
            event = dict(spec["event"])
            event["url"] += event.pop("url_suffix", "")
            event["website_id"] = other if event.pop("other_site", False) else site
            headers = {k: v for k, v in spec["headers"].items() if v != ""}
            if spec["headers"].get("User-Agent") == "":
                headers["User-Agent"] = ""
            response = client.post("/e", json=event, headers=headers)
            assert response.status_code == 202, (name, response.text)
            spec["url"] = event["url"]
        batch = [{"website_id": site, "type": "event", "url": f"/batch/{i}"} for i in range(3)]
        batch_urls = [e["url"] for e in batch]
        assert client.post("/api/collect", json=batch, headers=BROWSER_HEADERS).status_code == 202
    log = server.log()
    assert stop(server) == 0
    rows = query(server.data_dir, "SELECT * FROM events")
    by_url = {row["url"]: row for row in rows}
    result = {name: by_url[spec["url"]] for name, spec in CASES.items()}
    result.update({url: by_url[url] for url in batch_urls})
    result["_sessions"] = {"rows": query(server.data_dir, "SELECT * FROM sessions")}
    result["_log"] = {"text": log}
    yield result


@pytest.mark.parametrize(
    ("name", "country", "region", "city"),
    [
        ("london", "GB", "England", "London"),
        ("linkoping", "SE", "Östergötland County", "Linköping"),
        ("boxford", "GB", "England", "Boxford"),
        ("milton", "US", "Washington", "Milton"),
        ("ipv6", "US", "California", "San Diego"),
        ("bhutan", "BT", None, None),
        ("no-record", None, None, None),
        ("private", None, None, None),
        ("loopback", None, None, None),
    ],
)
def test_geoip_of_the_forwarded_client_address(
    stored: dict[str, dict[str, Any]],
    name: str,
    country: str | None,
    region: str | None,
    city: str | None,
) -> None:
    row = stored[name]
    assert (row["country"], row["region"], row["city"]) == (country, region, city)


def test_the_client_address_is_never_stored(stored: dict[str, dict[str, Any]]) -> None:
    row = stored["london"]
    assert "81.2.69.142" not in repr(row)
    assert "source_ip" not in row
    assert "81.2.69.142" not in stored["_log"]["text"]


@pytest.mark.parametrize(
    ("name", "domain"),
    [
        ("hn", "news.ycombinator.com"),
        ("bare-referrer", "example.org"),
        ("empty-referrer", None),
        ("london", None),
    ],
)
def test_referrer_domain(stored: dict[str, dict[str, Any]], name: str, domain: str | None) -> None:
    assert stored[name]["referrer_domain"] == domain


def test_referrer_is_stored_as_sent(stored: dict[str, dict[str, Any]]) -> None:
    assert stored["hn"]["referrer"] == "https://News.YCombinator.com/item?id=1"


def test_utm_from_the_url_query(stored: dict[str, dict[str, Any]]) -> None:
    row = stored["utm-url"]
    assert (row["utm_source"], row["utm_medium"], row["utm_campaign"]) == (
        "news letter",
        "email",
        None,
    )


def test_explicit_utm_fields_win_over_the_url(stored: dict[str, dict[str, Any]]) -> None:
    row = stored["utm-explicit"]
    assert (row["utm_source"], row["utm_term"]) == ("explicit", "t")


def test_screen(stored: dict[str, dict[str, Any]]) -> None:
    assert stored["screen-parts"]["screen"] == "1280x720"
    assert stored["screen-wins"]["screen"] == "800x600"
    assert stored["london"]["screen"] is None


def test_language_is_stored_as_sent(stored: dict[str, dict[str, Any]]) -> None:
    assert stored["language"]["language"] == "de-CH"


def test_event_name_and_compact_event_data(stored: dict[str, dict[str, Any]]) -> None:
    row = stored["event-data"]
    assert (row["event_type"], row["event_name"]) == ("event", "signup")
    assert row["event_data"] == '{"plan":"pro","n":[1,2]}'


def test_sql_metacharacters_are_data(stored: dict[str, dict[str, Any]]) -> None:
    row = stored["sql-text"]
    assert row["event_name"] == "x'); DROP TABLE events; --"
    assert row["referrer"] == "' OR 1=1 --"


@pytest.mark.parametrize(
    ("name", "browser", "os", "device"),
    [
        ("london", "Chrome", "Windows 10", "desktop"),
        ("iphone", "Safari", "iPhone", "mobile"),
        ("ipad", "Safari", "iPad", "tablet"),
        ("firefox", "Firefox", "Linux", "desktop"),
        ("no-ua", None, None, None),
    ],
)
def test_user_agent(
    stored: dict[str, dict[str, Any]],
    name: str,
    browser: str | None,
    os: str | None,
    device: str | None,
) -> None:
    row = stored[name]
    assert (row["browser"], row["os"], row["device_type"]) == (browser, os, device)


def test_browser_and_os_versions(stored: dict[str, dict[str, Any]]) -> None:
    row = stored["london"]
    assert (row["browser_version"], row["os_version"]) == ("120.0.0.0", "NT 10.0")


@pytest.mark.parametrize(
    ("name", "is_bot", "score", "reason"),
    [
        ("london", False, 0, None),
        ("googlebot", True, 90, "ua_signature"),
        ("curl", True, 90, "ua_signature"),
        ("no-accept-language", False, 25, "header_anomaly"),
    ],
)
def test_bot_score(
    stored: dict[str, dict[str, Any]], name: str, is_bot: bool, score: int, reason: str | None
) -> None:
    row = stored[name]
    assert (row["is_bot"], row["bot_score"], row["bot_reason"]) == (is_bot, score, reason)


def test_visitor_ids(stored: dict[str, dict[str, Any]]) -> None:
    same = stored["same-ip-ua-1"]["visitor_id"]
    assert len(same) == 16 and all(c in "0123456789abcdef" for c in same)
    assert stored["same-ip-ua-2"]["visitor_id"] == same
    assert stored["london"]["visitor_id"] == same
    assert stored["other-ua"]["visitor_id"] != same
    assert stored["other-site"]["visitor_id"] != same  # no linking across websites
    assert stored["given-visitor"]["visitor_id"] == "user-42"
    assert len(stored["too-long-visitor"]["visitor_id"]) == 16


def test_a_batch_gets_strictly_increasing_timestamps(stored: dict[str, dict[str, Any]]) -> None:
    times = [stored[f"/batch/{i}"]["created_at"] for i in range(3)]
    assert times == sorted(times) and len(set(times)) == 3
    assert (times[1] - times[0]).total_seconds() == pytest.approx(1e-6)


def test_sessions_of_the_stored_events(stored: dict[str, dict[str, Any]]) -> None:
    sessions = {row["session_id"]: row for row in stored["_sessions"]["rows"]}
    london = stored["london"]
    session = sessions[london["session_id"]]
    # london, same-ip-ua-1 and -2 share IP + UA + site: one visitor, one session
    assert session["event_count"] == 3 and session["pageview_count"] == 3
    assert session["entry_page"] == london["url"]
    assert session["exit_page"] == stored["same-ip-ua-2"]["url"]
    assert (session["country"], session["browser"], session["device_type"]) == (
        "GB",
        "Chrome",
        "desktop",
    )
    assert stored["same-ip-ua-2"]["session_id"] == london["session_id"]
    assert stored["other-ua"]["session_id"] != london["session_id"]
    batch = {stored[f"/batch/{i}"]["session_id"] for i in range(3)}
    assert len(batch) == 1
    assert sessions[batch.pop()]["event_count"] >= 3


def test_ids_and_fixed_columns(stored: dict[str, dict[str, Any]]) -> None:
    row = stored["london"]
    assert row["id"].version == 7
    assert row["tenant_id"] is None
    assert len(row["session_id"]) == 16

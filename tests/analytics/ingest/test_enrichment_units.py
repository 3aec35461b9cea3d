"""The enrichment helpers one by one (no server): referrer, UTM, user agent, bots, GeoIP files,
ids and website domains."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from appliance.analytics.admin.websites import InvalidWebsite, new_website_id, normalize_domain
from appliance.analytics.ingest.enrichment import (
    BotScorer,
    GeoIp,
    parse_user_agent,
    referrer_domain,
    screen_of,
    utm_from_url,
)
from appliance.analytics.ingest.service import parse_collect, uuid7
from tests.analytics.conftest import GEOIP


@pytest.mark.parametrize(
    ("referrer", "domain"),
    [
        ("https://news.ycombinator.com/item?id=1", "news.ycombinator.com"),
        ("http://Example.ORG", "example.org"),
        ("https://a.example:8443/x", "a.example:8443"),
        ("android-app://com.google.android.gm/", "android-app:"),
        ("", None),
        (None, None),
        ("https://", None),
    ],
)
def test_referrer_domain(referrer: str | None, domain: str | None) -> None:
    assert referrer_domain(referrer) == domain


@pytest.mark.parametrize(
    ("url", "utm"),
    [
        (
            "https://x.test/?utm_source=a+b&utm_medium=cpc",
            {"utm_source": "a b", "utm_medium": "cpc"},
        ),
        ("/p?utm_campaign=&utm_term=t", {"utm_term": "t"}),
        ("/p?utm_content=%41", {"utm_content": "%41"}),  # no percent-decoding
        ("/p?x=1?utm_source=q", {}),  # only the text after the first '?', split on '&'
        ("/p?a=1&utm_source=first&utm_source=second", {"utm_source": "first"}),
        ("/p#utm_source=h", {}),
        ("/plain", {}),
    ],
)
def test_utm_from_url(url: str, utm: dict[str, str]) -> None:
    assert utm_from_url(url) == utm


def test_screen_of() -> None:
    assert screen_of(None, 1920, 1080) == "1920x1080"
    assert screen_of("1x1", 1920, 1080) == "1x1"
    assert screen_of(None, 1920, None) is None


@pytest.mark.parametrize(
    ("agent", "expected"),
    [
        ("", (None, None, None)),
        ("   ", (None, None, None)),
        ("definitely not a browser", (None, None, None)),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) Version/17.0 Safari/605.1.15",
            ("Safari", "Mac OSX", "desktop"),
        ),
        (
            "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Safari/537.36",
            ("Chrome", "Android", "tablet"),
        ),
        (
            "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Mobile Safari/537.36",
            ("Chrome", "Android", "mobile"),
        ),
    ],
)
def test_user_agent(agent: str, expected: tuple[str | None, ...]) -> None:
    parsed = parse_user_agent(agent)
    assert (parsed.browser, parsed.os, parsed.device_type) == expected


@pytest.mark.parametrize(
    "agent",
    [
        "Mozilla/5.0 (compatible; bingbot/2.0)",
        "python-requests/2.32",
        "Wget/1.21",
        "Go-http-client/1.1",
        "Mozilla/5.0 HeadlessChrome/120",
        "my-crawler",
        "SemrushBot",
    ],
)
def test_bot_signatures(agent: str) -> None:
    verdict = BotScorer().score("s", "v", agent, True, True, "/")
    assert (verdict.is_bot, verdict.score, verdict.reason) == (True, 90, "ua_signature")


def test_signature_and_header_anomaly_are_capped_at_100() -> None:
    verdict = BotScorer().score("s", "v", "curl/8", False, False, "/")
    assert (verdict.score, verdict.reason) == (100, "ua_signature")


def test_burst_rate_and_path_sweep() -> None:
    bots = BotScorer()
    verdicts = [
        bots.score("s", "v", "Mozilla/5.0", True, True, f"/p{i}", now=100 + i * 0.1)
        for i in range(40)
    ]
    assert (verdicts[23].score, verdicts[24].score, verdicts[24].reason) == (0, 35, "path_sweep")
    assert (verdicts[39].score, verdicts[39].reason, verdicts[39].is_bot) == (
        75,
        "burst_rate",
        True,
    )
    # another visitor is unaffected; the window forgets after 30 s
    assert bots.score("s", "w", "Mozilla/5.0", True, True, "/", now=104).score == 0
    assert bots.score("s", "v", "Mozilla/5.0", True, True, "/", now=140).score == 0
    assert bots.prune(now=200) == 2


def test_burst_of_one_path_is_not_a_sweep() -> None:
    bots = BotScorer()
    for i in range(39):
        bots.score("s", "v", "Mozilla/5.0", True, True, f"https://x.test/same?i={i}", now=i * 0.5)
    verdict = bots.score("s", "v", "Mozilla/5.0", True, True, "/same", now=19.6)
    assert (verdict.score, verdict.reason, verdict.is_bot) == (40, "burst_rate", False)


@pytest.mark.parametrize(
    ("database", "ip", "expected"),
    [
        ("GeoLite2-City-Test.mmdb", "81.2.69.142", ("GB", "England", "London")),
        ("GeoLite2-City-Test.mmdb", "214.78.120.5", (None, None, None)),
        ("GeoIP2-City-Test.mmdb", "214.78.120.5", ("US", "California", "San Diego")),
        ("GeoIP2-City-Test.mmdb", "2.3.3.3", (None, None, None)),  # continent only
        ("GeoIP2-City-Test.mmdb", "214.1.1.1", (None, None, None)),  # anycast flag only
        ("GeoIP2-Country-Test.mmdb", "89.160.20.112", ("SE", None, None)),
        ("GeoLite2-Country-Test.mmdb", "175.16.199.0", (None, None, None)),
        ("GeoIP2-City-Test.mmdb", "not an ip", (None, None, None)),
        ("GeoIP2-City-Test.mmdb", "192.168.1.1", (None, None, None)),
    ],
)
def test_geoip_files(database: str, ip: str, expected: tuple[str | None, ...]) -> None:
    geo = GeoIp()
    geo.open(GEOIP / database)
    found = geo.lookup(ip)
    assert (found.country, found.region, found.city) == expected
    geo.close()


def test_geoip_without_a_database_is_empty_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    geo = GeoIp()
    geo.open(tmp_path / "missing.mmdb")
    assert not geo.loaded
    assert geo.lookup("81.2.69.142").country is None
    assert "GeoIP database not found" in caplog.text


def test_uuid7_is_time_ordered() -> None:
    ids = [uuid7(1_700_000_000 + i) for i in range(5)]
    assert ids == sorted(ids)
    parsed = uuid.UUID(ids[0])
    assert parsed.version == 7 and parsed.variant == uuid.RFC_4122
    assert parsed.int >> 80 == 1_700_000_000_000


def test_parse_collect_accepts_an_object_or_an_array() -> None:
    assert len(parse_collect(b'{"website_id": "s", "type": "pageview", "url": "/"}')) == 1
    assert len(parse_collect(b'[{"website_id": "s", "type": "event", "url": "/"}]')) == 1


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (" Example.COM. ", "example.com"),
        ("localhost", "localhost"),
        ("127.0.0.1", "127.0.0.1"),
        ("::1", None),
        ("blog.example.co.uk", "blog.example.co.uk"),
        ("https://x.com", None),
        ("x.com/path", None),
        ("user@x.com", None),
        ("x.com:8080", None),
        ("com", None),
        ("", None),
        ("-bad.com", None),
        ("x.123", None),
    ],
)
def test_website_domains(raw: str, clean: str | None) -> None:
    if clean is None:  # '::1' too: ':' is refused (no ports) before the IP-literal check
        with pytest.raises(InvalidWebsite):
            normalize_domain(raw)
    else:
        assert normalize_domain(raw) == clean


def test_website_ids() -> None:
    ids = {new_website_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(
        i.startswith("site_") and len(i) == 15 and i[5:].isalnum() and i[5:].islower() for i in ids
    )

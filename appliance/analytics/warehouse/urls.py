"""What the analytics make of a URL: the page it names, and whether a referrer is internal.

* The **page** of an event is the path of its ``url``: no scheme, host, query or fragment
  (``https://example.com/pricing?utm_source=x#plans`` → ``/pricing``; a URL with no path is
  ``/``). It is what the page breakdown groups by and what ``filter_page`` matches — what
  Plausible and Umami show; Sparklytics shows the URL as sent, so the same page appeared once
  per query string, scheme and host. ``url`` itself is stored and exported as sent, and the
  UTM parameters of its query are their own dimensions. :data:`PAGE_SQL` (DuckDB, over the
  column ``url``) and :func:`page_path` (Python) are the same function.
* A referrer is **internal** when its host is the website's domain or one of its subdomains
  (``www.`` on either side ignored), or the host of the page itself: navigation inside the
  site is not a referral. Such an event keeps its ``referrer`` as sent, and its
  ``referrer_domain`` is :data:`INTERNAL` (an empty string): in no row of the referrer
  breakdown — neither a source nor ``(direct)``, which stays the events that came with no
  referrer at all.
"""

from __future__ import annotations

import re
from functools import lru_cache

_PATH = r"^(?:(?:[A-Za-z][A-Za-z0-9+.\-]*:)?//[^/?#]*)?([^?#]*)"
"""Group 1: the path of a URL — after an optional ``scheme://host[:port]`` (or ``//host``),
up to the query or fragment."""

PAGE_SQL = f"coalesce(nullif(regexp_extract(url, '{_PATH}', 1), ''), '/')"
"""SQL: the page (path) of the ``url`` column."""

INTERNAL = ""
"""``referrer_domain`` of an event whose referrer is internal."""

_PATH_RE = re.compile(_PATH)
_HOST = r"^(?:[A-Za-z][A-Za-z0-9+.\-]*:)?//(?:[^/?#]*@)?(\[[^/?#\]]*\]|[^/?#:]*)"
"""Group 1: the host of an absolute (or scheme-relative) URL, without user info or port."""
_HOST_RE = re.compile(_HOST)


def page_path(url: str) -> str:
    """The page of ``url`` (:data:`PAGE_SQL` in Python): ``https://a.com/b?c#d`` → ``/b``."""
    match = _PATH_RE.match(url)
    return (match.group(1) if match else "") or "/"


def host_of(url: str | None) -> str | None:
    """The lower-cased host of an absolute (or scheme-relative) URL, without user info, port
    or a trailing dot; None for a relative URL."""
    if not url:
        return None
    match = _HOST_RE.match(url.strip())
    host = match.group(1).lower().rstrip(".") if match else ""
    return host or None


@lru_cache(maxsize=1024)
def site_host(domain: str) -> str:
    """A website's domain as a bare host (``https://www.Example.com/`` → ``example.com``)."""
    text = domain.strip()
    host = host_of(text if "//" in text else f"//{text}") or ""
    return host.removeprefix("www.")


def is_internal(referrer: str | None, domain: str, url: str | None = None) -> bool:
    """Whether ``referrer`` points inside the website of ``domain`` (its subdomains and
    ``www.`` included), or at the host of the page ``url`` itself."""
    host = host_of(referrer)
    if host is None:
        return False
    host = host.removeprefix("www.")
    own = {site_host(domain)}
    page = host_of(url)
    if page:
        own.add(page.removeprefix("www."))
    own.discard("")
    return any(host == name or host.endswith("." + name) for name in own)


def _bare_host_sql(column: str) -> str:
    """SQL: the host of the URL in ``column``, lower-cased, without a trailing dot or a
    leading ``www.``; NULL for a relative URL."""
    host = f"nullif(rtrim(lower(regexp_extract({column}, '{_HOST}', 1)), '.'), '')"
    return f"regexp_replace({host}, '^www\\.', '')"


INTERNAL_SQL = (
    f"({_bare_host_sql('referrer')} = {_bare_host_sql('url')} "
    f"OR ends_with({_bare_host_sql('referrer')}, '.' || {_bare_host_sql('url')}))"
)
"""SQL over stored events (migration 6, which cannot see the websites' domains, kept in
``sparkhouse.db``): the referrer's host is the page's own or one of its subdomains
(``www.`` on either side ignored). Only absolute URLs have hosts: NULL (not internal) for
the others."""

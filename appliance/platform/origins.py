"""Where requests may come from: the Host check against DNS rebinding, and the Origin check of
cookie-authenticated writes against cross-site request forgery.

DNS rebinding: a page on ``attacker.example`` points its name at 127.0.0.1 (or a LAN address)
and its scripts then reach this server as if same-origin; the only trace is the Host header,
which names the attacker's domain. So a request whose Host is not one of ours is refused with
421. Ours are: any IP address (a rebinding attack always carries a domain name), ``localhost``
and ``*.localhost`` (browsers resolve them to loopback themselves), the bind address, the
public URLs the parts are configured with, and SPARKHOUSE_ALLOWED_HOSTS.

Cross-site writes: a route that authenticates by cookie calls :func:`require_same_origin`
before it changes anything. A browser names the page that sent a request in ``Origin`` (and
``Sec-Fetch-Site``); one from another site is refused with 403. Requests without either header
come from no browser (scripts and API clients), where no cookie rides along unasked.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sanic import Request, Sanic
from sanic.response import HTTPResponse

from appliance.platform.errors import ServiceError
from appliance.platform.http import error_response
from appliance.platform.settings import ServerSettings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ALLOWED_HOSTS_REMEMBERED = 1024  # distinct allowed Host values kept for the fast path
DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
SAME_ORIGIN_FETCH_SITES = frozenset({"same-origin", "none"})  # "none": typed by the user


def split_host(value: str) -> tuple[str, int | None]:
    """``(name, port)`` of a Host header value: lower-case, brackets of IPv6 removed."""
    value = value.strip().lower()
    port: int | None = None
    if value.startswith("["):
        name, _, rest = value[1:].partition("]")
        if rest.startswith(":") and rest[1:].isdigit():
            port = int(rest[1:])
        return name, port
    name, colon, digits = value.rpartition(":")
    if colon and digits.isdigit() and ":" not in name:
        return name.rstrip("."), int(digits)
    return value.rstrip("."), None


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def normalized_origin(origin: str) -> str | None:
    """``scheme://host[:port]`` lower-case, without a default port; None if not an origin."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").rstrip(".")
    if scheme not in DEFAULT_PORTS or not host:
        return None
    shown = f"[{host}]" if ":" in host else host
    if port is not None and port != DEFAULT_PORTS[scheme]:
        shown = f"{shown}:{port}"
    return f"{scheme}://{shown}"


@dataclass
class OriginPolicy:
    """The names this server answers to and the browser origins that may write with a
    cookie; built once from the settings (:func:`install`)."""

    hosts: frozenset[str] = frozenset()
    """Exact names, and ``.example.com`` patterns that also allow the subdomains."""
    any_host: bool = False
    origins: frozenset[str] = field(default_factory=frozenset)
    """Normalised origins allowed besides the request's own: CORS_ORIGINS, the public URLs."""

    @classmethod
    def from_settings(cls, server: ServerSettings, public_urls: Iterable[str]) -> OriginPolicy:
        hosts: set[str] = set()
        origins: set[str] = set()
        for url in public_urls:
            origin = normalized_origin(url)
            if origin is not None:
                origins.add(origin)
                hosts.add(split_host(urlsplit(origin).netloc)[0])
        hosts.add(split_host(server.host)[0])  # a name; an address passes anyway
        hosts.update(name.strip().lower().rstrip(".") for name in server.allowed_hosts)
        for origin in server.cors_origins:
            normalized = normalized_origin(origin)
            if normalized is not None:
                origins.add(normalized)
        return cls(
            hosts=frozenset(hosts - {"*"}), any_host="*" in hosts, origins=frozenset(origins)
        )

    def allows_host(self, header: str) -> bool:
        name, _ = split_host(header)
        # No Host at all: not a browser (browsers always send one).
        if self.any_host or not name or name in self.hosts or name == "localhost":
            return True
        if name.endswith(".localhost") or _is_ip(name):
            return True
        return any(
            pattern.startswith(".") and (name.endswith(pattern) or name == pattern[1:])
            for pattern in self.hosts
        )

    def allows_origin(self, origin: str, host_header: str) -> bool:
        """``origin`` is the request's own (same host and port as its Host header; the scheme
        may differ behind a TLS proxy) or an allowed one."""
        normalized = normalized_origin(origin)
        if normalized is None:
            return False  # "null" (sandboxed frames, file: pages) or garbage
        if normalized in self.origins:
            return True
        parts = urlsplit(normalized)
        name, port = split_host(host_header)
        scheme_port = DEFAULT_PORTS[parts.scheme]
        return (parts.hostname or "") == name and (parts.port or scheme_port) == (
            port or scheme_port
        )


def policy(request: Request) -> OriginPolicy:
    found: OriginPolicy | None = getattr(request.app.ctx, "origins", None)
    return found if found is not None else OriginPolicy()


def require_same_origin(request: Request, also: Collection[str] = ()) -> None:
    """Refuse (403) a state-changing request that a browser sent from another site. For the
    routes that authenticate by cookie; API-key requests carry no ambient credential.
    ``also``: origins a part allows besides the appliance's (the arena's frontend)."""
    if request.method in SAFE_METHODS:
        return
    origin = request.headers.get("origin")
    if origin is not None:
        if policy(request).allows_origin(origin, request.headers.get("host", "")):
            return
        if normalized_origin(origin) in also:
            return
        raise ServiceError(
            403,
            "forbidden",
            f"Cross-site request refused: origin {origin[:200]} is not this server's nor "
            "listed in CORS_ORIGINS",
        )
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is None or fetch_site.strip().lower() in SAME_ORIGIN_FETCH_SITES:
        return
    raise ServiceError(
        403,
        "forbidden",
        f"Cross-site request refused (Sec-Fetch-Site: {fetch_site[:40]}): send it from this "
        "server's own pages, or use an API key",
    )


def install(app: Sanic, server: ServerSettings, public_urls: Sequence[str]) -> None:
    """Keep the policy on ``app.ctx.origins`` and refuse requests for other hosts (421)."""
    origins = OriginPolicy.from_settings(server, public_urls)
    app.ctx.origins = origins

    # On every request: a Host header seen and allowed before costs one set lookup.
    allowed: set[str] = set()

    # A plain function: Sanic calls it without a coroutine to create and await per request.
    @app.on_request(priority=90)  # type: ignore[call-arg]
    def check_host(request: Request) -> HTTPResponse | None:
        host = request.headers.get("host", "")
        if host in allowed:
            return None
        if origins.allows_host(host):
            if len(allowed) < ALLOWED_HOSTS_REMEMBERED:
                allowed.add(host)
            return None
        name = split_host(host)[0][:200]
        return error_response(
            ServiceError(
                421,
                "misdirected_request",
                f"This server does not answer to the host name {name!r}; add it to "
                "SPARKHOUSE_ALLOWED_HOSTS (or set the public URL) if it is really this server",
            )
        )

"""Believing X-Forwarded-* headers only from the reverse proxies we know.

Behind a proxy the client's address arrives in ``X-Forwarded-For``; rate limits count per
address, so the header must come from the proxy, not from a client that reaches the
application port directly and writes a new address on every request.
"""

from __future__ import annotations

from ipaddress import ip_address, ip_network

from werkzeug.middleware.proxy_fix import ProxyFix

_FORWARDED = (
    "HTTP_FORWARDED",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PREFIX",
)


class TrustedProxies:
    """WSGI middleware: ProxyFix (address and scheme, never host) for connections from a
    trusted proxy; forwarded headers removed from any other connection."""

    def __init__(self, app, count: int, trusted: tuple[str, ...]) -> None:
        self.app = app
        self.behind_proxy = ProxyFix(app, x_for=count, x_proto=count, x_host=0)
        self.networks = [ip_network(entry, strict=False) for entry in trusted]

    def is_trusted(self, remote_addr: str | None) -> bool:
        """Whether a connection from ``remote_addr`` comes from one of our proxies."""
        try:
            address = ip_address(remote_addr or "")
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    def __call__(self, environ, start_response):
        if self.is_trusted(environ.get("REMOTE_ADDR")):
            return self.behind_proxy(environ, start_response)
        for header in _FORWARDED:
            environ.pop(header, None)
        return self.app(environ, start_response)

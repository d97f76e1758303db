"""Behind a reverse proxy: which address a request really comes from.

X-Forwarded-For and X-Forwarded-Proto are written by whoever sends the
request, so they are believed only when the connection comes from a proxy the
admin named in CLEARCRM_TRUSTED_PROXY; from anyone else they are removed
before any other code (the login lockout, Django's HTTPS detection) sees them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
FORWARDED_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST")


def trusted_networks(values: list[str]) -> list[Network]:
    """CLEARCRM_TRUSTED_PROXY entries (addresses or CIDR networks) as networks."""
    return [ipaddress.ip_network(value.strip(), strict=False) for value in values if value.strip()]


def is_trusted(address: str, networks: list[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(remote: str, forwarded_for: str, networks: list[Network]) -> str:
    """The right-most address in X-Forwarded-For that is not one of our proxies.

    Each proxy appends the address it received the request from, so the
    addresses left of the last untrusted one may be made up by the client.
    """
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if not is_trusted(hop, networks):
            return hop
    return remote


class TrustedProxyMiddleware:
    """Put the real client address in REMOTE_ADDR; drop forwarded headers nobody vouches for."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.networks = trusted_networks(settings.TRUSTED_PROXIES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        remote = meta.get("REMOTE_ADDR", "")
        if self.networks and is_trusted(remote, self.networks):
            meta["REMOTE_ADDR"] = client_address(
                remote, meta.get("HTTP_X_FORWARDED_FOR", ""), self.networks
            )
        else:
            for header in FORWARDED_HEADERS:
                meta.pop(header, None)
        return self.get_response(request)

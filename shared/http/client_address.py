"""The one place that decides a request's client address (rate limits, the login
throttle, the audit log's source).

The TCP peer is the client unless it is one of the configured proxies
(``GRIDCASE_TRUSTED_PROXIES``: CIDRs, empty by default). Only then is
``X-Forwarded-For`` read, from the right: each trusted proxy appended the address it
received from, so the first address from the right that is not a trusted proxy is
the client. Whatever a client writes into the header itself sits further left and is
never reached. A malformed entry stops the walk at the last address known good.

uvicorn's own proxy-header handling trusts ``X-Forwarded-For`` from 127.0.0.1 by
default and rewrites the peer before the app sees it, so the services run with
``--no-proxy-headers`` (``gridcase up``, the image, the benchmarks).
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Any

from starlette.types import Scope

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_STATE_KEY = "client_address"
UNKNOWN = "-"


class TrustedProxies:
    def __init__(self, networks: tuple[IPNetwork, ...]):
        self.networks = networks

    @classmethod
    def parse(cls, spec: str) -> TrustedProxies:
        """``"10.0.0.0/8, 192.168.1.7"``; raises ValueError on a malformed entry."""
        return cls(
            tuple(ipaddress.ip_network(item.strip()) for item in spec.split(",") if item.strip())
        )

    def trusts(self, address: IPAddress) -> bool:
        return any(address in network for network in self.networks)

    def client_of(self, peer: str, forwarded_for: list[str]) -> str:
        """The client address of a request from ``peer`` carrying these
        ``X-Forwarded-For`` values (in header order)."""
        current = _address(peer)
        if current is None or not self.networks or not self.trusts(current):
            return peer or UNKNOWN
        hops = [hop.strip() for value in forwarded_for for hop in value.split(",")]
        for hop in reversed(hops):
            address = _address(hop)
            if address is None:
                break
            current = address
            if not self.trusts(current):
                break
        return str(current)


def _address(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


@lru_cache(maxsize=8)
def trusted_proxies(spec: str) -> TrustedProxies:
    return TrustedProxies.parse(spec)


def client_address(scope: Scope, trusted_spec: str) -> str:
    """The client address of an HTTP request (``request.scope``), computed once per
    request and kept in its state."""
    state: dict[str, Any] = scope.setdefault("state", {})
    known = state.get(_STATE_KEY)
    if known is not None:
        return str(known)
    client = scope.get("client")
    peer = client[0] if client else ""
    forwarded = [
        value.decode("latin-1")
        for name, value in scope.get("headers", ())
        if name == b"x-forwarded-for"
    ]
    address = trusted_proxies(trusted_spec).client_of(peer, forwarded)
    state[_STATE_KEY] = address
    return address

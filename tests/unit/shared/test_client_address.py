"""The client address behind proxies: X-Forwarded-For is believed only from configured
proxies, walked from the right, so a client cannot choose its own address."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from shared.http.client_address import TrustedProxies, client_address
from shared.settings import GridcaseSettings

PROXIES = TrustedProxies.parse("10.0.0.0/8, 192.168.1.7")


def test_without_trusted_proxies_the_forwarded_header_is_ignored() -> None:
    assert TrustedProxies.parse("").client_of("203.0.113.9", ["1.2.3.4"]) == "203.0.113.9"


def test_a_client_that_is_not_a_proxy_cannot_forge_its_address() -> None:
    assert PROXIES.client_of("203.0.113.9", ["1.2.3.4"]) == "203.0.113.9"


def test_behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client() -> None:
    # The client forged "1.2.3.4"; the edge proxy appended the address it saw.
    assert PROXIES.client_of("10.0.0.2", ["1.2.3.4, 198.51.100.20, 10.0.0.9"]) == "198.51.100.20"
    # Several header lines read as one list, in order.
    assert PROXIES.client_of("10.0.0.2", ["1.2.3.4", "198.51.100.20"]) == "198.51.100.20"
    assert PROXIES.client_of("192.168.1.7", ["2001:db8::1"]) == "2001:db8::1"


def test_a_malformed_hop_stops_the_walk_at_the_last_good_address() -> None:
    assert PROXIES.client_of("10.0.0.2", ["evil, 10.0.0.3"]) == "10.0.0.3"
    assert PROXIES.client_of("10.0.0.2", ["1.2.3.4, not-an-ip"]) == "10.0.0.2"


def test_only_proxies_all_the_way_gives_the_leftmost() -> None:
    assert PROXIES.client_of("10.0.0.2", ["10.1.1.1, 10.0.0.3"]) == "10.1.1.1"


def test_the_address_is_computed_once_per_request_from_its_scope() -> None:
    scope: dict[str, Any] = {
        "type": "http",
        "client": ("10.0.0.2", 5000),
        "headers": [(b"x-forwarded-for", b"1.2.3.4, 198.51.100.20")],
    }
    assert client_address(scope, "10.0.0.0/8") == "198.51.100.20"
    assert scope["state"]["client_address"] == "198.51.100.20"
    assert client_address({"type": "http", "client": None, "headers": []}, "") == "-"


def test_a_malformed_trusted_proxy_setting_refuses_to_start() -> None:
    with pytest.raises(ValidationError, match="GRIDCASE_TRUSTED_PROXIES"):
        GridcaseSettings(trusted_proxies="10.0.0.0/8, nonsense")

"""What routing's routes and consumers share in one process, built by ``bootstrap``."""

from __future__ import annotations

from dataclasses import dataclass

from services.routing.service_layer.handlers import RoutingCache
from shared.http.ratelimit import SharedRateLimiter
from shared.runtime import ServiceRuntime


@dataclass
class RoutingState:
    # The registry and policy as of their last version: consumers and routes share it.
    routing_cache: RoutingCache
    # Sign-in attempts per client address (``GRIDCASE_LOGIN_RATE_PER_MINUTE``).
    login_limiter: SharedRateLimiter


RoutingRuntime = ServiceRuntime[RoutingState]

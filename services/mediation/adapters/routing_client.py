"""Mediation's outbound client for routing: sign-in on behalf of the web app, the
routing explanation of a case, and the unit tree (with boundaries for the grid map).

The web app calls routing server side so that the browser talks to one origin only
(whatever host name the user typed), and tokens never reach page scripts.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class SignedIn:
    access_token: str
    refresh_token: str
    role: str
    unit_codes: tuple[str, ...]


class SignInRefused(Exception):
    """Routing answered the sign-in or refresh with a refusal; ``status`` says which
    (401 wrong credentials or token, 423 locked, 429 throttled)."""

    def __init__(self, status: int, detail: str = ""):
        super().__init__(f"{status} {detail}")
        self.status = status


class RoutingUnavailable(Exception):
    """Routing could not be reached or answered 5xx."""


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    level: str
    parent_code: str | None
    boundary: dict[str, Any] | None


class RoutingClient:
    """One pooled HTTP client per mediation process (``runtime.state``)."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float = 5.0,
        units_ttl_s: float = 60.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        self._options: dict[str, Any] = {
            "base_url": base_url,
            "timeout": timeout_s,
            "transport": transport,
        }
        self._client: httpx.AsyncClient | None = None
        self._units_ttl_s = units_ttl_s
        self._units: dict[tuple[str, bool], tuple[float, list[Unit]]] = {}

    @property
    def _http(self) -> httpx.AsyncClient:
        """The pooled client, opened again after ``aclose`` (a runtime restarted)."""
        if self._client is None or self._client.is_closed:
            self._client = httpx.AsyncClient(**self._options)
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _post(
        self, path: str, body: dict[str, str], client_address: str | None
    ) -> httpx.Response:
        # Routing throttles and audits sign-ins per client address: name the browser's,
        # not this service's (uvicorn takes X-Forwarded-For from trusted proxies only,
        # by default the loopback address; FORWARDED_ALLOW_IPS widens it).
        headers = {"X-Forwarded-For": client_address} if client_address else None
        try:
            response = await self._http.post(path, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise RoutingUnavailable(str(exc)) from exc
        if response.status_code >= 500:
            raise RoutingUnavailable(f"routing answered {response.status_code}")
        return response

    @staticmethod
    def _signed_in(response: httpx.Response) -> SignedIn:
        if response.status_code != 200:
            raise SignInRefused(response.status_code, response.text[:200])
        body = response.json()
        return SignedIn(
            body["access_token"],
            body.get("refresh_token") or "",
            body["role"],
            tuple(body.get("unit_codes") or ()),
        )

    async def login(
        self, username: str, password: str, *, client_address: str | None = None
    ) -> SignedIn:
        response = await self._post(
            "/auth/login", {"username": username, "password": password}, client_address
        )
        return self._signed_in(response)

    async def refresh(self, refresh_token: str, *, client_address: str | None = None) -> SignedIn:
        response = await self._post(
            "/auth/refresh", {"refresh_token": refresh_token}, client_address
        )
        return self._signed_in(response)

    async def logout(self, refresh_token: str, *, client_address: str | None = None) -> None:
        await self._post("/auth/logout", {"refresh_token": refresh_token}, client_address)

    async def _get(self, path: str, token: str, params: dict[str, Any] | None = None) -> Any:
        try:
            response = await self._http.get(
                path, params=params, headers={"Authorization": f"Bearer {token}"}
            )
        except httpx.HTTPError as exc:
            raise RoutingUnavailable(str(exc)) from exc
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise RoutingUnavailable(f"routing answered {response.status_code}")
        return response.json()

    async def case_routing(self, token: str, case_id: str) -> list[dict[str, Any]]:
        """Every routing decision for the case, oldest first (empty when routing has
        none the caller may see)."""
        decisions = await self._get(f"/cases/{case_id}/routing", token)
        return list(decisions or [])

    async def units(self, token: str, *, under: str, with_boundary: bool) -> list[Unit]:
        """Units under a code prefix, cached briefly: the tree changes rarely and every
        overview and page header reads it."""
        key = (under, with_boundary)
        cached = self._units.get(key)
        if cached is not None and time.monotonic() - cached[0] < self._units_ttl_s:
            return cached[1]
        params = {"with_boundary": str(with_boundary).lower()}
        if under:
            params["under"] = under
        rows = await self._get("/units", token, params)
        units = [
            Unit(r["code"], r["name"], r["level"], r.get("parent_code"), r.get("boundary"))
            for r in rows or []
        ]
        self._units[key] = (time.monotonic(), units)
        return units


# Parallel requests from one page may each find the access token expired: the first
# exchanges the refresh token, the others get the same pair (routing would revoke the
# whole family if one refresh token were used twice).
EXCHANGE_MEMORY_S = 30.0


class RefreshExchanges:
    """Old refresh token → the pair it was exchanged for, kept ``EXCHANGE_MEMORY_S``."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._done: dict[str, tuple[float, SignedIn]] = {}

    async def exchange(
        self, client: RoutingClient, refresh_token: str, client_address: str | None
    ) -> SignedIn:
        async with self._lock:
            now = time.monotonic()
            self._done = {k: v for k, v in self._done.items() if now - v[0] < EXCHANGE_MEMORY_S}
            known = self._done.get(refresh_token)
            if known is not None:
                return known[1]
            renewed = await client.refresh(refresh_token, client_address=client_address)
            self._done[refresh_token] = (now, renewed)
            return renewed

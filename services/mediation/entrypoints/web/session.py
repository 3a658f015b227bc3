"""The web app's session: routing's access and refresh tokens in HttpOnly,
SameSite=Strict cookies, refreshed server side when the access token has expired.

- Page scripts never see a token (HttpOnly); the browser sends them only to this
  origin and never on a cross-site request (SameSite=Strict).
- Writes also pass a cross-origin check (``check_same_origin``).
- A refresh token may be used once (routing rotates it and revokes the family of a
  token used twice). A page load can send several requests with the same expired
  session at once (the page, the live stream), so each process remembers for a short
  while what an old refresh token was exchanged for and hands the same pair to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import Request, Response

from services.mediation.adapters.routing_client import (
    RefreshExchanges,
    RoutingClient,
    RoutingUnavailable,
    SignedIn,
    SignInRefused,
)
from services.mediation.entrypoints.problems import CROSS_SITE_REQUEST
from shared.auth.tokens import InvalidToken, Principal, verify_token
from shared.http.problems import Problem

ACCESS_COOKIE = "gc_access"
REFRESH_COOKIE = "gc_refresh"
REFRESH_MAX_AGE_S = 90 * 24 * 3600  # routing decides the real lifetime


@dataclass(frozen=True)
class Session:
    principal: Principal
    access_token: str
    # Set when the tokens were refreshed during this request: the response stores them.
    renewed: SignedIn | None = None


class SessionExpired(Exception):
    """There were cookies, but neither token is usable any more."""


class NotSignedIn(Exception):
    """No session cookies at all."""


def client_address(request: Request) -> str | None:
    """The browser's address as this service sees it (passed on to routing)."""
    return request.client.host if request.client else None


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def store_tokens(request: Request, response: Response, tokens: SignedIn) -> None:
    secure = _secure(request)
    response.set_cookie(
        ACCESS_COOKIE,
        tokens.access_token,
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/",
    )
    if tokens.refresh_token:
        response.set_cookie(
            REFRESH_COOKIE,
            tokens.refresh_token,
            max_age=REFRESH_MAX_AGE_S,
            httponly=True,
            samesite="strict",
            secure=secure,
            path="/",
        )


def clear_tokens(response: Response) -> None:
    response.delete_cookie(ACCESS_COOKIE, path="/", httponly=True, samesite="strict")
    response.delete_cookie(REFRESH_COOKIE, path="/", httponly=True, samesite="strict")


async def resolve(request: Request, client: RoutingClient, exchanges: RefreshExchanges) -> Session:
    """The signed-in staff member, refreshing the tokens if the access token expired.

    Raises ``NotSignedIn`` without cookies and ``SessionExpired`` when they no longer
    work; ``RoutingUnavailable`` if a refresh was needed and routing is away.
    """
    secret: str = request.app.state.runtime.settings.secret_key
    access = request.cookies.get(ACCESS_COOKIE)
    refresh = request.cookies.get(REFRESH_COOKIE)
    if not access and not refresh:
        raise NotSignedIn
    if access:
        try:
            return Session(verify_token(secret, access), access)
        except InvalidToken:
            pass
    if not refresh:
        raise SessionExpired
    try:
        renewed = await exchanges.exchange(client, refresh, client_address(request))
    except SignInRefused:
        raise SessionExpired from None
    try:
        principal = verify_token(secret, renewed.access_token)
    except InvalidToken:
        raise SessionExpired from None
    return Session(principal, renewed.access_token, renewed)


def _origin_of(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def check_same_origin(request: Request) -> None:
    """Refuse a write that a browser sent from another site.

    Browsers mark every request with ``Sec-Fetch-Site`` and cross-origin POSTs with
    ``Origin``; a request carrying neither is not from a browser page (so cannot be a
    forged one). The session cookies are SameSite=Strict as well.
    """
    site = request.headers.get("sec-fetch-site")
    if site in ("same-origin", "none"):
        return
    origin = request.headers.get("origin")
    if origin is None:
        if site is None:
            return
        raise _cross_site()
    host = request.headers.get("host", "")
    if _origin_of(origin)[1] != host:
        raise _cross_site()


def _cross_site() -> Problem:
    return CROSS_SITE_REQUEST(
        "This form may only be sent from the dashboard's own pages.",
        "此表单只能从本系统页面提交。",
    )


__all__ = [
    "ACCESS_COOKIE",
    "REFRESH_COOKIE",
    "NotSignedIn",
    "RoutingUnavailable",
    "Session",
    "SessionExpired",
    "check_same_origin",
    "clear_tokens",
    "resolve",
    "store_tokens",
]

"""Access tokens: short-lived HS256 JWTs signed with ``GRIDCASE_SECRET_KEY``.

Every service verifies them locally (no call to the issuer), so an access token cannot
be revoked: it lives minutes (``ACCESS_TTL``). What can be revoked is the refresh
token, which only the issuer (routing's identity module) accepts.

A token names a subject (``sub``: a staff id, or a machine client's id), a role, the
unit codes that bound its jurisdiction and, for machine clients, scopes.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from fastapi import Request

from shared.http.problems import UNAUTHORISED, Problem

ALGORITHM = "HS256"
ISSUER = "gridcase"
ACCESS_TTL = timedelta(minutes=15)


@dataclass(frozen=True)
class Principal:
    """Who is calling: ``staff_id`` is the subject (a machine client's id for clients)."""

    staff_id: str
    role: str
    unit_codes: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    token_id: str = ""


def mint_token(
    secret: str,
    staff_id: str,
    role: str,
    unit_codes: list[str] | tuple[str, ...] = (),
    *,
    ttl: timedelta = timedelta(hours=12),
    scopes: list[str] | tuple[str, ...] = (),
) -> str:
    """A signed access token. Login issues ``ACCESS_TTL`` ones; the long default is for
    tests, the load generator and ``gridcase auth token`` in development."""
    now = datetime.now(UTC)
    claims = {
        "iss": ISSUER,
        "sub": staff_id,
        "role": role,
        "units": list(unit_codes),
        "scopes": list(scopes),
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + ttl,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


class InvalidToken(Exception):
    pass


def verify_token(secret: str, token: str) -> Principal:
    """The principal a valid token names; ``InvalidToken`` for anything else."""
    return _verify(secret, token)[0]


def _verify(secret: str, token: str) -> tuple[Principal, float]:
    """The principal and the token's expiry (POSIX seconds)."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "sub", "iss"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    units = claims.get("units") or []
    scopes = claims.get("scopes") or []
    if (
        not isinstance(claims.get("role"), str)
        or not isinstance(units, list)
        or not isinstance(scopes, list)
    ):
        raise InvalidToken("malformed claims")
    principal = Principal(
        str(claims["sub"]),
        claims["role"],
        tuple(str(u) for u in units),
        tuple(str(s) for s in scopes),
        str(claims.get("jti") or ""),
    )
    return principal, float(claims["exp"])


class VerifiedTokens:
    """Tokens this process has verified, kept until they expire.

    A phone sends the same token with every request, and checking its signature and
    claims is a large share of a cheap request's cost. An access token cannot be
    revoked (it only expires), so a token verified once is as good until its ``exp``.
    Bounded: when full, the cache starts again empty.
    """

    def __init__(self, max_entries: int = 10_000):
        self._max = max_entries
        self._known: dict[tuple[str, str], tuple[Principal, float]] = {}

    def verify(self, secret: str, token: str) -> Principal:
        key = (secret, token)
        known = self._known.get(key)
        if known is not None and time.time() < known[1]:
            return known[0]
        principal, expires = _verify(secret, token)  # raises InvalidToken
        if len(self._known) >= self._max:
            self._known.clear()
        self._known[key] = (principal, expires)
        return principal


_verified = VerifiedTokens()


def unauthorised(en: str, zh: str) -> Problem:
    return UNAUTHORISED(en, zh, headers={"WWW-Authenticate": 'Bearer realm="gridcase"'})


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def current_principal(request: Request) -> Principal:
    """FastAPI dependency: the bearer token's principal, or a 401 problem."""
    token = bearer_token(request)
    if token is None:
        raise unauthorised("Send a bearer token.", "请提供 Bearer 令牌。")
    secret: str = request.app.state.runtime.settings.secret_key
    try:
        principal = _verified.verify(secret, token)
    except InvalidToken:
        raise unauthorised("The token is invalid or expired.", "令牌无效或已过期。") from None
    request.state.principal = principal
    return principal

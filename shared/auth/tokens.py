"""Staff tokens: HS256 JWTs signed with ``GRIDCASE_SECRET_KEY``.

A token names a staff member (``sub``), a role and the unit codes they act for. This
is deliberately small: the identity issue adds login, rotation and revocation on top of
the same ``Principal`` and ``current_principal`` dependency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from fastapi import Request

from shared.http.problems import Problem

ALGORITHM = "HS256"
ISSUER = "gridcase"


@dataclass(frozen=True)
class Principal:
    staff_id: str
    role: str
    unit_codes: tuple[str, ...] = ()


def mint_token(
    secret: str,
    staff_id: str,
    role: str,
    unit_codes: list[str] | tuple[str, ...] = (),
    *,
    ttl: timedelta = timedelta(hours=12),
) -> str:
    now = datetime.now(UTC)
    claims = {
        "iss": ISSUER,
        "sub": staff_id,
        "role": role,
        "units": list(unit_codes),
        "iat": now,
        "exp": now + ttl,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


class InvalidToken(Exception):
    pass


def verify_token(secret: str, token: str) -> Principal:
    """The principal a valid token names; ``InvalidToken`` for anything else."""
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
    if not isinstance(claims.get("role"), str) or not isinstance(units, list):
        raise InvalidToken("malformed claims")
    return Principal(str(claims["sub"]), claims["role"], tuple(str(u) for u in units))


def _unauthorised(en: str, zh: str) -> Problem:
    return Problem(
        401,
        "unauthorised",
        "Authentication required",
        "需要登录",
        en,
        zh,
        headers={"WWW-Authenticate": 'Bearer realm="gridcase"'},
    )


def current_principal(request: Request) -> Principal:
    """FastAPI dependency: the bearer token's principal, or a 401 problem."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorised("Send a bearer token.", "请提供 Bearer 令牌。")
    secret: str = request.app.state.runtime.settings.secret_key
    try:
        return verify_token(secret, token.strip())
    except InvalidToken:
        raise _unauthorised("The token is invalid or expired.", "令牌无效或已过期。") from None

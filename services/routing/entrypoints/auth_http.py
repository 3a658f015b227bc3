"""Sign-in for staff and machine clients: ``/auth/login``, ``/auth/refresh``,
``/auth/logout``, ``/auth/token`` (API key → access token).

These routes take no token (they hand them out): they are public, throttled per
client address, and every attempt is written to the audit log by the handlers.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from services.routing.entrypoints.problems import ACCOUNT_LOCKED
from services.routing.service_layer import identity
from services.routing.state import RoutingRuntime
from shared.auth.policy import PUBLIC
from shared.auth.tokens import unauthorised
from shared.http.client_address import client_address
from shared.http.openapi import answers
from shared.http.problems import RATE_LIMITED, Problem

router = APIRouter(prefix="/auth", tags=["identity"], dependencies=[Depends(PUBLIC)])


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=200)


class RefreshIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    refresh_token: str = Field(min_length=1, max_length=200)


class ClientTokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    api_key: str = Field(min_length=1, max_length=200)


def _runtime(request: Request) -> RoutingRuntime:
    runtime: RoutingRuntime = request.app.state.runtime
    return runtime


def _source(request: Request) -> str:
    return client_address(request.scope, _runtime(request).settings.trusted_proxies)


@answers(429)
async def throttled(request: Request) -> None:
    """Login attempts per client address per minute (``GRIDCASE_LOGIN_RATE_PER_MINUTE``)."""
    runtime = _runtime(request)
    wait = await runtime.state.login_limiter.allow(_source(request))
    if wait > 0:
        raise RATE_LIMITED(
            "Too many sign-in attempts from this address; try again later.",
            "该地址登录尝试过于频繁，请稍后再试。",
            headers={"Retry-After": str(max(1, round(wait)))},
        )


def _refused() -> Problem:
    return unauthorised("Wrong username or password.", "用户名或密码错误。")


@router.post(
    "/login",
    dependencies=[Depends(throttled)],
    responses={
        401: {"description": "Wrong username or password"},
        423: {"description": "Account locked after repeated failures"},
    },
)
async def login(body: LoginIn, request: Request) -> dict[str, Any]:
    """Username and password → a 15-minute access token and a refresh token."""
    runtime = _runtime(request)
    try:
        async with runtime.uow() as uow:
            tokens = await identity.login(
                uow, runtime.settings, body.username, body.password, _source(request)
            )
    except identity.AccountLocked as exc:
        raise ACCOUNT_LOCKED(
            f"Too many failed sign-ins; locked until {exc.until.isoformat()}.",
            f"登录失败次数过多，锁定至 {exc.until.isoformat()}。",
        ) from None
    except identity.LoginRefused:
        raise _refused() from None
    return tokens.as_dict()


@router.post(
    "/refresh",
    dependencies=[Depends(throttled)],
    responses={
        401: {"description": "Refresh token invalid, used, revoked or expired"},
    },
)
async def refresh(body: RefreshIn, request: Request) -> dict[str, Any]:
    """A used refresh token for a new pair (rotation). A token used twice revokes its
    whole family."""
    runtime = _runtime(request)
    try:
        async with runtime.uow() as uow:
            tokens = await identity.refresh(
                uow, runtime.settings, body.refresh_token, _source(request)
            )
    except identity.LoginRefused:
        raise unauthorised(
            "The refresh token is invalid, used, revoked or expired.",
            "刷新令牌无效、已使用、已吊销或已过期。",
        ) from None
    return tokens.as_dict()


@router.post("/logout", status_code=204)
async def logout(body: RefreshIn, request: Request) -> Response:
    """Revoke the refresh token (and its family). Access tokens expire by themselves."""
    async with _runtime(request).uow() as uow:
        await identity.logout(uow, body.refresh_token, _source(request))
    return Response(status_code=204)


@router.post(
    "/token",
    dependencies=[Depends(throttled)],
    responses={
        401: {"description": "Unknown or revoked API key"},
    },
)
async def client_token(body: ClientTokenIn, request: Request) -> dict[str, Any]:
    """Machine clients: an API key for an access token carrying the key's scopes."""
    runtime = _runtime(request)
    try:
        async with runtime.uow() as uow:
            tokens = await identity.client_token(
                uow, runtime.settings, body.api_key, _source(request)
            )
    except identity.LoginRefused:
        raise unauthorised("The API key is invalid or revoked.", "API 密钥无效或已吊销。") from None
    return tokens.as_dict()

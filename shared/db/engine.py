"""One async engine per service, created in the app's lifespan, never at import time."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def asyncpg_url(url: str) -> str:
    """Accept ``postgresql://`` URLs too, and point them at the asyncpg driver."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+asyncpg://" + url[len(plain) :]
    return url


def plain_url(url: str) -> str:
    """The libpq form of a URL, for raw asyncpg connections (LISTEN, bench baselines)."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def _connect_args(url: str) -> dict[str, Any]:
    """No TLS negotiation with a server on this machine unless the URL asks for it;
    a remote server keeps asyncpg's default (try TLS first)."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    if parts.hostname in LOOPBACK and "ssl" not in query and "sslmode" not in query:
        return {"ssl": False}
    return {}


def create_engine(url: str, *, pool_size: int = 20) -> AsyncEngine:
    """A fixed-size pool: every connection is kept, with its prepared statements.

    Overflow connections are closed when returned, so under load they were opened and
    closed per request, each paying connection setup and statement preparation again
    (most of intake's CPU in a profile). Past ``pool_size`` a request waits its turn.
    """
    return create_async_engine(
        asyncpg_url(url),
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=30,
        pool_pre_ping=True,
        pool_recycle=1800,
        connect_args=_connect_args(url),
        # JSONB columns with orjson: the standard library's json was a visible share
        # of routing's and the relay's time in profiles.
        json_serializer=_json_text,
        json_deserializer=orjson.loads,
    )


def _json_text(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()

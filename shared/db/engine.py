"""One async engine per service, created in the app's lifespan, never at import time."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def asyncpg_url(url: str) -> str:
    """Accept ``postgresql://`` URLs too, and point them at the asyncpg driver."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+asyncpg://" + url[len(plain) :]
    return url


def plain_url(url: str) -> str:
    """The libpq form of a URL, for raw asyncpg connections (LISTEN, bench baselines)."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    return create_async_engine(
        asyncpg_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_recycle=1800,
    )

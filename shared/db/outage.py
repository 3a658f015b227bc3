"""Whether a failure means "the database is not there right now" rather than "this
work is wrong": a consumer waits the first out and never charges it to the message.

PostgreSQL says so with SQLSTATE class 08 (connection exception) and 57P01–57P03
(admin shutdown, crash shutdown, cannot connect now: the server is stopping or still
in crash recovery), plus 53300 (too many connections). SQLAlchemy's asyncpg dialect
wraps most of these as a plain ``DBAPIError`` without ``connection_invalidated``
(only its own list of disconnect messages sets that), so the class of the wrapper is
not enough: the original exception is read too.
"""

from __future__ import annotations

import asyncpg
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

_UNAVAILABLE_STATES = frozenset({"57P01", "57P02", "57P03", "53300"})


def _original_errors(exc: BaseException) -> list[BaseException]:
    """``exc``, what SQLAlchemy wraps (``.orig``) and what each was raised from
    (``__cause__``). Not ``__context__``: an error raised while another was being
    handled is not caused by it, and taking a bad event for an outage would retry it
    for ever."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        item = todo.pop()
        if item is None or any(item is s for s in seen) or len(seen) > 10:
            continue
        seen.append(item)
        todo += [getattr(item, "orig", None), item.__cause__]
    return seen


def is_database_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` (or what caused it) says the database could not be reached,
    went away, or is restarting."""
    for item in _original_errors(exc):
        if isinstance(item, OperationalError | InterfaceError):
            return True
        if isinstance(item, DBAPIError) and item.connection_invalidated:
            return True
        if isinstance(item, OSError | asyncpg.InterfaceError):  # OSError: refused, reset
            return True
        state = getattr(item, "sqlstate", None)
        if isinstance(state, str) and (state.startswith("08") or state in _UNAVAILABLE_STATES):
            return True
    return False

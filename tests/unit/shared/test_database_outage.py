"""Which failures the consumer waits out (the database is away) instead of charging
them to the message, which would dead-letter an event a restart of PostgreSQL delays."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_dbapi
from sqlalchemy.exc import DBAPIError, IntegrityError

from shared.db.outage import is_database_unavailable


def _as_sqlalchemy_raises_it(error: Exception) -> DBAPIError:
    """``error`` wrapped the way SQLAlchemy's asyncpg dialect wraps it: an adapter
    error carrying the SQLSTATE, raised from the original, inside a DBAPIError."""
    adapted = AsyncAdapt_asyncpg_dbapi.Error(f"{type(error).__name__}: {error}")  # type: ignore[no-untyped-call]
    adapted.sqlstate = getattr(error, "sqlstate", None)
    adapted.__cause__ = error
    return DBAPIError("SELECT 1", None, adapted, connection_invalidated=False)


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.CannotConnectNowError("the database system is starting up"),  # 57P03
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.CrashShutdownError("terminating connection because of crash of another"),
        asyncpg.TooManyConnectionsError("sorry, too many clients already"),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        ConnectionRefusedError(111, "Connect call failed"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_a_restarting_or_unreachable_database_is_waited_out(error: Exception) -> None:
    assert is_database_unavailable(_as_sqlalchemy_raises_it(error))
    assert is_database_unavailable(error)


def test_a_failure_of_the_work_itself_is_charged_to_the_message() -> None:
    unique = asyncpg.UniqueViolationError("duplicate key value violates unique constraint")
    assert not is_database_unavailable(_as_sqlalchemy_raises_it(unique))
    assert not is_database_unavailable(IntegrityError("INSERT", None, unique))
    assert not is_database_unavailable(ValueError("bad payload"))
    assert not is_database_unavailable(KeyError("unit_code"))


def test_an_error_raised_while_handling_an_outage_is_not_taken_for_one() -> None:
    """Only what an error was raised *from* counts: a bad event whose handler failed
    inside some ``except OSError`` must still reach the dead letters, not retry for ever."""
    try:
        try:
            raise ConnectionResetError("peer went away")
        except ConnectionResetError:
            raise ValueError("unit_code missing") from None
    except ValueError as error:
        assert error.__context__ is not None
        assert not is_database_unavailable(error)

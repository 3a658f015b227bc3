"""Escalation's unit of work: the base one, plus work to do once it has committed.

A scheduled card counts in the metrics only when its event is committed: a sweep that
rolls back (and fires the card again later) must not count it twice.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from types import TracebackType

from shared.db.unit_of_work import UnitOfWork


class EscalationUnitOfWork(UnitOfWork):
    _after_commit: list[Callable[[], None]]

    async def __aenter__(self) -> EscalationUnitOfWork:
        self._after_commit = []
        await super().__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await super().__aexit__(exc_type, exc, tb)
        finally:
            self._after_commit = []

    def after_commit(self, action: Callable[[], None]) -> None:
        self._after_commit.append(action)

    async def commit(self) -> None:
        await super().commit()
        actions, self._after_commit = self._after_commit, []
        for action in actions:
            action()

    async def rollback(self) -> None:
        await super().rollback()
        self._after_commit = []

    @contextlib.asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        queued = len(self._after_commit)
        try:
            async with super().savepoint():
                yield
        except BaseException:
            del self._after_commit[queued:]
            raise


def after_commit(uow: UnitOfWork, action: Callable[[], None]) -> None:
    """Run ``action`` once ``uow`` commits (at once with a plain unit of work)."""
    if isinstance(uow, EscalationUnitOfWork):
        uow.after_commit(action)
    else:
        action()

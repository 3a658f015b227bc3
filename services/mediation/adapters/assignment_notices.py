"""Assignment notices for the live dashboard, over PostgreSQL LISTEN/NOTIFY.

The case-view handler NOTIFYs ``mediation_case_assigned`` inside its transaction, so
PostgreSQL delivers the notice only at commit (a page never shows a case the view does
not have yet) and to every mediation process listening, whichever consumed the event.
Each process holds one LISTEN connection while at least one browser is subscribed and
fans the notices out to them. The same connection listens for presence on case pages
(``adapters/presence.py``): a ``PresenceNotice`` says a case's viewers changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy import Text, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from services.mediation.adapters.presence import PRESENCE_CHANNEL
from shared.db.engine import plain_url
from shared.logging import get_logger
from shared.messaging.errors import describe_error

CHANNEL = "mediation_case_assigned"
log = get_logger(__name__)


@dataclass(frozen=True)
class AssignmentNotice:
    case_id: str
    assignee_id: str | None
    unit_code: str | None


@dataclass(frozen=True)
class PresenceNotice:
    case_id: str


Notice = AssignmentNotice | PresenceNotice

_NOTIFY = text("SELECT pg_notify(:channel, notice) FROM unnest(:notices) AS notice").bindparams(
    bindparam("notices", type_=ARRAY(Text))
)


async def notify_assigned(conn: AsyncConnection, notices: list[AssignmentNotice]) -> None:
    """Queue one notice per case in the current transaction (delivered at commit)."""
    if not notices:
        return
    payloads = [json.dumps(n.__dict__, ensure_ascii=False) for n in notices]
    await conn.execute(_NOTIFY, {"channel": CHANNEL, "notices": payloads})


class AssignmentListener:
    """One LISTEN connection per process, shared by every subscribed browser; it
    reconnects after a drop and closes when the last subscriber leaves."""

    def __init__(self, database_url: Callable[[], str]):
        # Resolved when the first browser subscribes: building a runtime connects to
        # nothing and needs no database configured yet.
        self._database_url = database_url
        self._queues: set[asyncio.Queue[Notice]] = set()
        self._task: asyncio.Task[None] | None = None
        self.listening = asyncio.Event()

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[Notice]]:
        queue: asyncio.Queue[Notice] = asyncio.Queue(maxsize=100)
        self._queues.add(queue)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._listen(), name="mediation-assignment-listen")
        try:
            yield queue
        finally:
            self._queues.discard(queue)
            if not self._queues and self._task is not None:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await self._task
                self._task = None
                self.listening.clear()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    def _deliver(self, _conn: Any, _pid: int, channel: str, payload: str) -> None:
        notice: Notice
        if channel == PRESENCE_CHANNEL:
            notice = PresenceNotice(payload)
        else:
            try:
                notice = AssignmentNotice(**json.loads(payload))
            except (ValueError, TypeError):
                return
        for queue in list(self._queues):
            with contextlib.suppress(asyncio.QueueFull):  # a stalled browser drops notices
                queue.put_nowait(notice)

    async def _listen(self) -> None:
        while True:
            conn: asyncpg.Connection | None = None
            lost = asyncio.Event()
            try:
                conn = await asyncpg.connect(plain_url(self._database_url()))
                conn.add_termination_listener(lambda _c, lost=lost: lost.set())
                await conn.add_listener(CHANNEL, self._deliver)
                await conn.add_listener(PRESENCE_CHANNEL, self._deliver)
                self.listening.set()
                await lost.wait()
                log.warning("assignment_listen_lost")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("assignment_listen_failed", error=describe_error(exc))
            finally:
                self.listening.clear()
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await conn.close(timeout=2)
            await asyncio.sleep(1.0)

"""Who else is viewing a case page: each open page's live stream joins when it opens,
beats with its heartbeat and leaves when it closes (each committed at once, so other
processes' viewers hear of it through PostgreSQL's NOTIFY at commit)."""

from __future__ import annotations

from services.mediation.adapters import presence
from services.mediation.adapters.presence import Viewer
from shared.db.unit_of_work import UnitOfWork


async def join_case(uow: UnitOfWork, case_id: str, viewer: Viewer) -> None:
    await presence.join(uow.connection, case_id, viewer)
    await uow.commit()


async def still_viewing(uow: UnitOfWork, view_id: str) -> None:
    await presence.still_here(uow.connection, view_id)
    await uow.commit()


async def leave_case(uow: UnitOfWork, case_id: str, view_id: str) -> None:
    await presence.leave(uow.connection, case_id, view_id)
    await uow.commit()


async def viewers_of(uow: UnitOfWork, case_id: str) -> list[Viewer]:
    return await presence.viewers(uow.connection, case_id)

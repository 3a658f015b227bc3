"""Printing a case file's documents: read, map, render, audit, in one transaction.

A printed agreement or file carries the parties' full ID numbers, phones and addresses
(art. 29 asks the agreement to state them), so printing is a full view of personal
data: only ``SEES_FULL_PERSONAL_DATA`` roles, only on cases they may read (the rule is
in the query: a refused or recused person does not find the case), and each document
served is audited in the read's transaction. The audit row is written after the
document rendered, so a failed render leaves no record of a view that never happened,
and it commits before the document is answered, so nothing is shown unrecorded.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from services.mediation.adapters.case_work_queries import CaseFileRow
from services.mediation.adapters.case_work_queries import case_file as read_case_file
from services.mediation.adapters.documents.printer import Printer
from services.mediation.domain import documents as doc
from services.mediation.domain import printing
from services.mediation.domain.dispute import Dispute
from services.mediation.service_layer.case_work import VIEW_ACTION, MayNotSeeFull, NotADispute
from shared import audit
from shared.audit import AuditEntry
from shared.auth.roles import SEES_FULL_PERSONAL_DATA
from shared.auth.tokens import Principal
from shared.db.unit_of_work import UnitOfWork
from shared.privacy.crypto import KeyRing

D = TypeVar("D")
C = TypeVar("C", bytes, str)


@dataclass(frozen=True)
class Printed(Generic[D, C]):
    """A rendered document, the document it was made from and the case it belongs to."""

    content: C
    document: D
    case: CaseFileRow


@dataclass(frozen=True)
class Audit:
    """Where the audit rows go and who asked from where."""

    log: Any
    purges: Any
    source: str


def context(row: CaseFileRow, now: datetime | None = None) -> printing.PrintContext:
    """What the file does not hold, from the case view: its committee's unit, title,
    number and category; the one staff name mediation knows is the current handler's."""
    names = {row.assignee_id: row.assignee_name} if row.assignee_id and row.assignee_name else {}
    ctx = printing.PrintContext(
        unit_name=row.unit_name or "",
        case_name=row.title or "",
        case_number=row.case_number or row.case_id,
        category=row.category or "",
        names=names,
    )
    return replace(ctx, printed_on=ctx.local(now or datetime.now(UTC)).date())


async def _print(
    uow: UnitOfWork,
    keys: KeyRing,
    case_id: str,
    principal: Principal,
    trail: Audit,
    what: str,
    make: Callable[[Dispute, printing.PrintContext], D],
    render: Callable[[D, doc.DateStyle], Awaitable[C]],
) -> Printed[D, C] | None:
    if principal.role not in SEES_FULL_PERSONAL_DATA:
        raise MayNotSeeFull(principal.role)
    row = await read_case_file(uow.connection, case_id, principal, keys)
    if row is None:
        return None
    if row.kind != "dispute":
        raise NotADispute(case_id)
    ctx = context(row)
    document = make(row.dispute or Dispute(case_id), ctx)
    content = await render(document, ctx.style)
    await audit.append(
        uow.connection,
        trail.log,
        trail.purges,
        AuditEntry(
            actor=principal.staff_id,
            role=principal.role,
            action=VIEW_ACTION,
            object=case_id,
            source=trail.source,
            result=f"printed {what}",
        ),
    )
    await uow.commit()
    return Printed(content, document, row)


async def agreement_pdf(
    uow: UnitOfWork,
    keys: KeyRing,
    printer: Printer,
    case_id: str,
    principal: Principal,
    trail: Audit,
) -> Printed[doc.Agreement, bytes] | None:
    """The written agreement (arts. 28–29), signed or ready for signing."""
    return await _print(
        uow,
        keys,
        case_id,
        principal,
        trail,
        "agreement.pdf",
        printing.agreement,
        printer.agreement_pdf,
    )


async def agreement_page(
    uow: UnitOfWork,
    keys: KeyRing,
    printer: Printer,
    case_id: str,
    principal: Principal,
    trail: Audit,
) -> Printed[doc.Agreement, str] | None:
    """The written agreement as a page to print from the browser."""
    return await _print(
        uow,
        keys,
        case_id,
        principal,
        trail,
        "agreement print page",
        printing.agreement,
        printer.agreement_html,
    )


async def session_record_pdf(
    uow: UnitOfWork,
    keys: KeyRing,
    printer: Printer,
    case_id: str,
    number: int,
    principal: Principal,
    trail: Audit,
) -> Printed[doc.SessionRecord, bytes] | None:
    """One session's minutes (art. 27)."""
    return await _print(
        uow,
        keys,
        case_id,
        principal,
        trail,
        f"session {number} record.pdf",
        lambda dispute, ctx: printing.session_record(dispute, number, ctx),
        printer.session_record_pdf,
    )


async def case_file_pdf(
    uow: UnitOfWork,
    keys: KeyRing,
    printer: Printer,
    case_id: str,
    principal: Principal,
    trail: Audit,
) -> Printed[doc.CaseFile, bytes] | None:
    """The whole file (art. 27) as one PDF; reading an archived file changes nothing."""
    return await _print(
        uow,
        keys,
        case_id,
        principal,
        trail,
        "case file.pdf",
        printing.case_file,
        printer.case_file_pdf,
    )


__all__ = [
    "Audit",
    "Printed",
    "agreement_page",
    "agreement_pdf",
    "case_file_pdf",
    "context",
    "session_record_pdf",
]

"""Printed documents over HTTP: the agreement (PDF and print page), a session's minutes
and the whole case file as one PDF.

They print the parties' full details (art. 29), so they answer only the roles that may
see personal data in full, on cases they may read (refused or recused people get 404),
and each one served is audited in the read's transaction
(``service_layer/documents.py``). Answers are never cached (``Cache-Control:
no-store``) and name a file (``Content-Disposition``, RFC 6266 with the Chinese name as
RFC 5987 ``filename*``).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Awaitable, Callable
from typing import Any, Literal, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response

from services.mediation.adapters.documents.printer import Printer
from services.mediation.domain.printing import NoSuchSession, NothingToPrint
from services.mediation.entrypoints.problems import NOT_A_DISPUTE, NOTHING_TO_PRINT
from services.mediation.service_layer import documents as printing
from services.mediation.service_layer.case_work import MayNotSeeFull, NotADispute
from services.mediation.state import MediationRuntime
from shared.auth import roles
from shared.auth.policy import Access
from shared.auth.tokens import Principal
from shared.http.problems import FORBIDDEN, not_found
from shared.privacy.crypto import KeyRing

router = APIRouter(tags=["printed documents"])

# The same people as GET /cases/{id}/file/full: those who contact the parties.
PRINTERS = Access(roles.MEDIATOR, roles.COMMUNITY_POLICE, roles.LEGAL_ADVISER)

NO_STORE = {"Cache-Control": "no-store"}
PDF = "application/pdf"

T = TypeVar("T")


def _problem(description: str) -> dict[str, Any]:
    return {"description": description}


def _pdf_ok(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PDF: {"schema": {"type": "string", "format": "binary"}}},
    }


NOT_FOUND_404 = _problem("Not a case you may read (or a refused or recused person asking)")
NOT_A_DISPUTE_409 = "not a dispute (`not-a-dispute`)"
AGREEMENT_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: NOT_FOUND_404,
    409: _problem(f"No written agreement yet (`nothing-to-print`), or {NOT_A_DISPUTE_409}"),
}
SESSION_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: _problem("Not a case you may read, or the file has no session with that number"),
    409: _problem(f"The case is {NOT_A_DISPUTE_409}"),
}
FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: NOT_FOUND_404,
    409: _problem(f"The dispute was never accepted (`nothing-to-print`), or {NOT_A_DISPUTE_409}"),
}


def _runtime(request: Request) -> MediationRuntime:
    runtime: MediationRuntime = request.app.state.runtime
    return runtime


def _keys(request: Request) -> KeyRing:
    return _runtime(request).state.pii_keys


def _printer(request: Request) -> Printer:
    return _runtime(request).state.printer


def _trail(request: Request) -> printing.Audit:
    tables = _runtime(request).tables
    return printing.Audit(
        tables.audit_log, tables.audit_purges, request.client.host if request.client else ""
    )


_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\"]')
_NOT_ASCII_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def content_disposition(kind: Literal["inline", "attachment"], name: str, fallback: str) -> str:
    """RFC 6266: an ASCII ``filename`` for old clients and the real (Chinese) name as
    RFC 5987 ``filename*``. Separators, quotes and control characters never reach it."""
    safe = _UNSAFE.sub("_", name)
    ascii_name = _NOT_ASCII_NAME.sub("_", fallback).strip("_") or "document"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(safe, safe='')}"


async def served_document(
    request: Request, work: Callable[..., Awaitable[T | None]], *args: Any
) -> T:
    """Run one printing handler in a unit of work; its refusals as problems."""
    try:
        async with _runtime(request).uow() as uow:
            printed = await work(uow, _keys(request), _printer(request), *args, _trail(request))
    except MayNotSeeFull as exc:
        raise FORBIDDEN(
            "Your role may not see the parties' details in full.",
            "您的角色无权查看当事人完整信息。",
        ) from exc
    except NotADispute as exc:
        raise NOT_A_DISPUTE(
            "Mediation documents exist for disputes only.",
            "调解文书仅适用于矛盾纠纷。",
        ) from exc
    except NoSuchSession as exc:
        raise not_found("session record", "调解记录") from exc
    except NothingToPrint as exc:
        raise NOTHING_TO_PRINT(exc.en, exc.zh) from exc
    if printed is None:
        raise not_found("case", "案件")
    return printed


def pdf_response(content: bytes, disposition: str) -> Response:
    return Response(
        content, media_type=PDF, headers={**NO_STORE, "Content-Disposition": disposition}
    )


@router.get(
    "/cases/{case_id}/agreement.pdf",
    response_class=Response,
    responses={200: _pdf_ok("人民调解协议书 as PDF"), **AGREEMENT_RESPONSES},
)
async def agreement_pdf(
    case_id: str, request: Request, principal: Principal = Depends(PRINTERS)
) -> Response:
    """调解协议书 (People's Mediation Law arts. 28–29): signed, or a draft with blank
    signature lines ready for signing. Audited as a full view of personal data."""
    printed = await served_document(request, printing.agreement_pdf, case_id, principal)
    name = f"人民调解协议书{printed.document.number}.pdf"
    return pdf_response(
        printed.content, content_disposition("inline", name, f"agreement-{case_id}.pdf")
    )


@router.get(
    "/cases/{case_id}/agreement/print",
    response_class=HTMLResponse,
    responses={
        200: {
            "description": "人民调解协议书 as an A4 page to print (HTML)",
            "content": {"text/html": {"schema": {"type": "string"}}},
        },
        **AGREEMENT_RESPONSES,
    },
)
async def agreement_print_page(
    case_id: str, request: Request, principal: Principal = Depends(PRINTERS)
) -> HTMLResponse:
    """The agreement as an A4 page to print from the browser (same words as the PDF).
    Audited as a full view of personal data."""
    printed = await served_document(request, printing.agreement_page, case_id, principal)
    return HTMLResponse(
        printed.content,
        headers={**NO_STORE, "Content-Security-Policy": print_page_policy(printed.content)},
    )


_STYLE = re.compile(r"<style>(.*?)</style>", re.S)


def print_page_policy(page: str) -> str:
    """The page's own CSP: nothing but its one inline style block, allowed by hash."""
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(m.encode()).digest()).decode() + "'"
        for m in _STYLE.findall(page)
    ]
    return "; ".join(
        [
            "default-src 'none'",
            "style-src " + (" ".join(hashes) or "'none'"),
            "img-src 'self' data:",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )


@router.get(
    "/cases/{case_id}/sessions/{n}/record.pdf",
    response_class=Response,
    responses={200: _pdf_ok("人民调解笔录 of one session as PDF"), **SESSION_RESPONSES},
)
async def session_record_pdf(
    case_id: str,
    request: Request,
    n: int = Path(ge=1, le=10_000, description="The session's number in the file: 1, 2, …"),
    principal: Principal = Depends(PRINTERS),
) -> Response:
    """One session's minutes (调解笔录, art. 27). Audited as a full view of personal data."""
    printed = await served_document(request, printing.session_record_pdf, case_id, n, principal)
    number = printed.case.case_number or case_id
    name = f"人民调解笔录{number}第{n}次.pdf"
    return pdf_response(
        printed.content, content_disposition("inline", name, f"session-{n}-{case_id}.pdf")
    )


@router.get(
    "/cases/{case_id}/file.pdf",
    response_class=Response,
    responses={200: _pdf_ok("人民调解卷宗, the whole file, as one PDF"), **FILE_RESPONSES},
)
async def case_file_pdf(
    case_id: str, request: Request, principal: Principal = Depends(PRINTERS)
) -> Response:
    """The whole case file (卷宗, art. 27) as one PDF to keep: cover with year, volume and
    retention once filed, contents, registration, records, agreement, follow-ups. An
    archived file may be exported (reading changes nothing). Audited as a full view."""
    printed = await served_document(request, printing.case_file_pdf, case_id, principal)
    number = printed.case.case_number or case_id
    name = f"人民调解卷宗{number}.pdf"
    return pdf_response(
        printed.content, content_disposition("attachment", name, f"case-file-{case_id}.pdf")
    )


__all__: list[Literal["router"]] = ["router"]

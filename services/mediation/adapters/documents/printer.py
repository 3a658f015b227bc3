"""Rendering for a server: off the event loop, one compilation at a time.

A ``PdfRenderer`` compiles one document at a time (its lock) and takes tens of
milliseconds of CPU per document, so a route must not run it on the event loop. Sending
every request to a worker thread would let a burst of prints park the default executor's
threads on that lock, starving everything else that uses ``asyncio.to_thread``; here
requests queue on an asyncio lock instead and only one thread waits for typst at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from services.mediation.adapters.documents.pdf import PdfRenderer, default_renderer
from services.mediation.adapters.documents.print_page import render_agreement_html
from services.mediation.domain.documents import Agreement, CaseFile, DateStyle, SessionRecord


class Printer:
    """One per process (``MediationState``); the renderer's fonts are read on first use."""

    def __init__(self, renderer: Callable[[], PdfRenderer] = default_renderer) -> None:
        self._renderer = renderer
        self._turn = asyncio.Lock()

    async def _pdf(self, compile_: Callable[[PdfRenderer], bytes]) -> bytes:
        async with self._turn:
            return await asyncio.to_thread(lambda: compile_(self._renderer()))

    async def agreement_pdf(self, agreement: Agreement, style: DateStyle) -> bytes:
        return await self._pdf(lambda r: r.agreement(agreement, style))

    async def session_record_pdf(self, record: SessionRecord, style: DateStyle) -> bytes:
        return await self._pdf(lambda r: r.session_record(record, style))

    async def case_file_pdf(self, case_file: CaseFile, style: DateStyle) -> bytes:
        return await self._pdf(lambda r: r.case_file(case_file, style))

    async def agreement_html(self, agreement: Agreement, style: DateStyle) -> str:
        """The print page: Jinja2 in well under a millisecond, so in a thread without
        waiting for typst's turn."""
        return await asyncio.to_thread(render_agreement_html, agreement, style)


__all__ = ["Printer"]

"""PDFs of a committee's documents, typeset in-process by typst.

The data goes in as one JSON string through typst's ``sys.inputs`` and the templates
show its strings as text, so nothing a party says can become typst code. Fonts come only
from the directories named here (Debian's fonts-noto-cjk by default), never from
whatever the machine happens to have, so every machine prints the same pages.

Fonts are read once per :class:`PdfRenderer`; a compiler is not safe to use from two
threads at once, so each renderer serialises its compilations. Rendering is CPU work:
call it from a worker thread, not on the event loop.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import typst

from services.mediation.adapters.documents.views import (
    View,
    agreement_view,
    case_file_view,
    session_view,
    to_json,
)
from services.mediation.domain.documents import Agreement, CaseFile, DateStyle, SessionRecord

TEMPLATES = Path(__file__).parent / "templates"

DEFAULT_FONT_DIRS: tuple[Path, ...] = (Path("/usr/share/fonts/opentype/noto"),)
"""Where Debian's fonts-noto-cjk puts Noto Serif/Sans CJK (scripts/install-system-packages.sh)."""

REQUIRED_FONT_FAMILY = "Noto Serif CJK SC"


class MissingFontsError(RuntimeError):
    """The Chinese fonts are not in the font directories: pages would print as blanks."""


class PdfRenderer:
    """Typesets the agreement, a session record and the whole case file as PDF."""

    def __init__(self, font_dirs: Sequence[Path] = DEFAULT_FONT_DIRS) -> None:
        fonts = typst.Fonts(
            include_system_fonts=False,
            include_embedded_fonts=True,
            font_paths=[str(d) for d in font_dirs],
        )
        if REQUIRED_FONT_FAMILY not in fonts.families():
            raise MissingFontsError(
                f"{REQUIRED_FONT_FAMILY} not found in {', '.join(map(str, font_dirs))}; "
                "install fonts-noto-cjk (scripts/install-system-packages.sh)"
            )
        self._compiler = typst.Compiler(
            root=str(TEMPLATES), font_paths=fonts, ignore_system_fonts=True
        )
        self._lock = threading.Lock()

    def compile(self, template: str, view: View) -> bytes:
        """One template of ``templates/`` with ``view`` as its data."""
        with self._lock:
            pdf = self._compiler.compile(
                input=str(TEMPLATES / template),
                format="pdf",
                sys_inputs={"data": to_json(view)},
            )
        if not isinstance(pdf, bytes):
            raise TypeError(f"typst returned {type(pdf).__name__} for a PDF")
        return pdf

    def agreement(
        self, agreement: Agreement, style: DateStyle = DateStyle.CHINESE_NUMERALS
    ) -> bytes:
        """人民调解协议书 (People's Mediation Law arts. 28–29)."""
        return self.compile("agreement.typ", agreement_view(agreement, style))

    def session_record(
        self, record: SessionRecord, style: DateStyle = DateStyle.CHINESE_NUMERALS
    ) -> bytes:
        """人民调解笔录, one session's minutes (art. 27)."""
        return self.compile("session_record.typ", session_view(record, style))

    def case_file(
        self, case_file: CaseFile, style: DateStyle = DateStyle.CHINESE_NUMERALS
    ) -> bytes:
        """The whole 卷宗 (art. 27): cover, contents, registration, records, agreement, visits."""
        return self.compile("case_file.typ", case_file_view(case_file, style))


@cache
def default_renderer() -> PdfRenderer:
    """One renderer per process over the default font directories (fonts read once)."""
    return PdfRenderer()


def render_agreement_pdf(
    agreement: Agreement, style: DateStyle = DateStyle.CHINESE_NUMERALS
) -> bytes:
    """The agreement as a PDF with its Chinese text embedded."""
    return default_renderer().agreement(agreement, style)


def render_session_record_pdf(
    record: SessionRecord, style: DateStyle = DateStyle.CHINESE_NUMERALS
) -> bytes:
    """One session record (调解笔录) as a PDF."""
    return default_renderer().session_record(record, style)


def render_case_file_pdf(
    case_file: CaseFile, style: DateStyle = DateStyle.CHINESE_NUMERALS
) -> bytes:
    """The whole case file as one PDF."""
    return default_renderer().case_file(case_file, style)

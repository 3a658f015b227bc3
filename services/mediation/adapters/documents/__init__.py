"""Printed documents: PDFs typeset by typst and the agreement's print page (Jinja2)."""

from services.mediation.adapters.documents.pdf import (
    MissingFontsError,
    PdfRenderer,
    default_renderer,
    render_agreement_pdf,
    render_case_file_pdf,
    render_session_record_pdf,
)
from services.mediation.adapters.documents.print_page import render_agreement_html

__all__ = [
    "MissingFontsError",
    "PdfRenderer",
    "default_renderer",
    "render_agreement_html",
    "render_agreement_pdf",
    "render_case_file_pdf",
    "render_session_record_pdf",
]

"""The agreement as a print-friendly HTML page (A4, Chinese fonts, print CSS).

Same words as the PDF (both come from :mod:`views`); Jinja2 escapes every value, so a
party's text cannot become markup or script.
"""

from __future__ import annotations

from functools import cache

import jinja2

from services.mediation.adapters.documents.pdf import TEMPLATES
from services.mediation.adapters.documents.views import agreement_view
from services.mediation.domain.documents import Agreement, DateStyle


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_agreement_html(
    agreement: Agreement, style: DateStyle = DateStyle.CHINESE_NUMERALS
) -> str:
    """人民调解协议书 as a page to print from a browser (arts. 28–29)."""
    page = _environment().get_template("agreement.html")
    return page.render(a=agreement_view(agreement, style))

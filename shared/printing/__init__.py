"""Printing shared by the services: typst in-process with only the named CJK fonts."""

from shared.printing.typst_pdf import (
    DEFAULT_FONT_DIRS,
    REQUIRED_FONT_FAMILY,
    MissingFontsError,
    TypstPrinter,
    TypstRenderer,
)

__all__ = [
    "DEFAULT_FONT_DIRS",
    "REQUIRED_FONT_FAMILY",
    "MissingFontsError",
    "TypstPrinter",
    "TypstRenderer",
]

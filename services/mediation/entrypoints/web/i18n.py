"""The web app's languages: gettext catalogues (Babel ``.po`` files) for Simplified
Chinese (the default) and English, compiled in memory when the process starts, so that
neither ``make up`` nor a deployment needs a build step.

``make i18n`` extracts the messages from the templates and this package and updates
the catalogues; a test checks that every message has both translations.
"""

from __future__ import annotations

import functools
import gettext
import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT = "zh_CN"
LANGUAGES = {"zh_CN": "zh-CN", "en": "en"}  # catalogue → HTML lang attribute
LANGUAGE_COOKIE = "gc_lang"


def catalogue_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"


@functools.cache
def translations(language: str) -> gettext.GNUTranslations:
    """The compiled catalogue for ``language`` (one of ``LANGUAGES``)."""
    with catalogue_path(language).open("rb") as po:
        catalogue = read_po(po, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def language_of(cookie: str | None) -> str:
    return cookie if cookie in LANGUAGES else DEFAULT


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message

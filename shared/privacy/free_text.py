"""Phone and ID numbers typed into free text, found and masked.

People write numbers into titles, descriptions and facts the way they type them:
``13812345678``, ``138 1234 5678``, ``+86 139-0000-1111``, a landline
``0774-5123456`` or ``(0774)5123456``, an 18-character resident ID number
(GB 11643, also in 6-8-4 groups) or an old 15-digit one, and with full-width digits
from a Chinese input method. ``mask_text`` keeps everything else as written and
shows each number as the structured fields show it: ``138****5678``,
``0774-***3456``, ``110***********002X``.

A run of digits glued to letters (a case number such as ``GC202612020000123``) is not
a number someone typed, and is left alone.
"""

from __future__ import annotations

import re
import unicodedata

_D = "[0-9０-９]"
_NOT_BEFORE = r"(?<![0-9０-９A-Za-zＡ-Ｚａ-ｚ])"
_NOT_AFTER = r"(?![0-9０-９A-Za-zＡ-Ｚａ-ｚ])"
_SEP = "[ \\-－]?"

ID_NUMBER = re.compile(
    _NOT_BEFORE
    + f"(?:[1-9１-９]{_D}{{5}}{_SEP}{_D}{{8}}{_SEP}{_D}{{3}}[0-9０-９XxＸｘ]"
    + f"|[1-9１-９]{_D}{{14}})"
    + _NOT_AFTER
)
MOBILE = re.compile(
    r"(?<![0-9０-９])"
    + f"(?:[+＋]?[8８][6６]{_SEP})?[1１][3-9３-９]{_D}(?:{_SEP}{_D}{{4}}){{2}}"
    + r"(?![0-9０-９])"
)
# Area codes: 010 and 02x have three digits, every other four; numbers 7 or 8 digits.
LANDLINE = re.compile(
    r"(?<![0-9０-９])"
    + f"[(（]?[0０](?:[1１][0０]|[2２]{_D}|[3-9３-９]{_D}{{2}})[)）]?{_SEP}"
    + f"[2-9２-９]{_D}{{2,3}}{_SEP}{_D}{{4}}"
    + r"(?![0-9０-９])"
)


def _digits(found: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", found) if c.isalnum()).upper()


def _mask_id(match: re.Match[str]) -> str:
    value = _digits(match.group())
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def _mask_mobile(match: re.Match[str]) -> str:
    value = _digits(match.group())[-11:]
    return value[:3] + "****" + value[-4:]


def _mask_landline(match: re.Match[str]) -> str:
    value = _digits(match.group())
    split = 3 if value.startswith(("010", "02")) else 4
    area, number = value[:split], value[split:]
    return f"{area}-{'*' * (len(number) - 4)}{number[-4:]}"


def mask_text(text: str) -> str:
    """``text`` with every phone and ID number in it masked; the rest as written."""
    text = ID_NUMBER.sub(_mask_id, text)
    text = MOBILE.sub(_mask_mobile, text)
    return LANDLINE.sub(_mask_landline, text)


def mask_optional(text: str | None) -> str | None:
    return mask_text(text) if text else text

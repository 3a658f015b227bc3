"""What never reaches a log line: personal data by field name and by pattern.

Field names cover structured log arguments (``phone=…``); the patterns catch values
that slipped into free text (an exception message echoing its input): 18-digit
resident ID numbers (GB 11643) and mainland phone numbers (``shared.privacy.free_text``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from shared.privacy.free_text import ID_NUMBER, LANDLINE, MOBILE

SENSITIVE_FIELDS = frozenset(
    {
        "id_number",
        "phone",
        "mobile",
        "address",
        "password",
        "secret",
        "token",
        "access_token",
        "refresh_token",
        "tracking_token",
        "api_key",
        "authorization",
        "parties",
        "contact",
    }
)
REDACTED = "[redacted]"


# Case, event and correlation ids: their all-digit groups can read like a phone number
# (``e316f497-0583-4825-9655-…`` holds a landline), and an id cut by the redaction can
# no longer be searched for (``gridcase logs --case``).
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def redact_text(text: str) -> str:
    """Phone and ID numbers as ``free_text`` finds them, replaced whole; UUIDs are ids,
    kept as written."""
    if "-" not in text:
        return _redact_numbers(text)
    kept, start = [], 0
    for found in UUID.finditer(text):
        kept += [_redact_numbers(text[start : found.start()]), found.group()]
        start = found.end()
    kept.append(_redact_numbers(text[start:]))
    return "".join(kept)


def _redact_numbers(text: str) -> str:
    return LANDLINE.sub(REDACTED, MOBILE.sub(REDACTED, ID_NUMBER.sub(REDACTED, text)))


def redact(value: Any, depth: int = 0) -> Any:
    """A copy of ``value`` with sensitive fields and patterns replaced."""
    if depth > 8:
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {
            k: (REDACTED if str(k).lower() in SENSITIVE_FIELDS else redact(v, depth + 1))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(v, depth + 1) for v in value]
    return value

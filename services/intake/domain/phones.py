"""Mainland China phone numbers: mobiles (11 digits, 1[3-9]…) and landlines (0 + area code).

Accepts the forms people type (``+86``, ``86``, spaces, dashes) and stores one canonical
form: ``13812345678`` or ``0774-1234567``.
"""

from __future__ import annotations

import re

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE_NUMBER = re.compile(r"^[2-9]\d{6,7}$")


def normalise_phone(raw: str) -> str | None:
    """The canonical form of a mainland number, or None if it is not one."""
    digits = re.sub(r"[\s\-()]", "", raw.strip())
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not digits.isascii() or not digits.isdigit():
        return None
    if _MOBILE.match(digits):
        return digits
    if digits.startswith("0") and not digits.startswith("00"):
        # Three-digit area codes are 010 and 02x; every other area code has four digits.
        split = 3 if digits.startswith(("010", "02")) else 4
        area, number = digits[:split], digits[split:]
        if _LANDLINE_NUMBER.match(number):
            return f"{area}-{number}"
    return None


def mask_phone(phone: str) -> str:
    """``13812345678`` → ``138****5678``; landlines keep the area code and last four."""
    if "-" in phone:
        area, number = phone.split("-", 1)
        return f"{area}-{'*' * (len(number) - 4)}{number[-4:]}"
    if len(phone) < 8:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]

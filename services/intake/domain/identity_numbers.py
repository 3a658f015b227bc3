"""Resident identity card numbers (GB 11643-1999): 18 characters, ISO 7064 MOD 11-2 check.

The first 17 characters are digits (6-digit address code, 8-digit birth date, 3-digit
sequence); the 18th is the check character, ``0``-``9`` or ``X``.
"""

from __future__ import annotations

from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def check_character(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def is_valid_id_number(value: str) -> bool:
    """True for a well-formed 18-character number with a real birth date and right check."""
    if len(value) != 18 or not value[:17].isascii() or not value[:17].isdigit():
        return False
    last = value[17].upper()
    if last not in "0123456789X":
        return False
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    if born.year < 1900 or born > date.today():
        return False
    return check_character(value[:17]) == last


def normalise_id_number(value: str) -> str:
    """Upper-case ``x`` and trim spaces, as people type it."""
    return value.strip().upper()


def mask_id_number(value: str) -> str:
    """``110105199001011234`` → ``110***********1234``: region and last four only."""
    if len(value) < 8:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]

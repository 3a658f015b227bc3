"""Who stands above a unit: the rule extensions (延期, "approved above", DOMAIN.md "Time
limits and supervision") and supervision (督办, by a centre over the units below it)
share. Unit codes nest (6 digits a district, 9 a street, 12 a community, 15 a grid), so
a unit above another is a proper prefix of its code."""

from __future__ import annotations

from collections.abc import Iterable


def is_above(own_codes: Iterable[str], unit_code: str | None) -> bool:
    """True when one of ``own_codes`` is a unit strictly above ``unit_code``."""
    if not unit_code:
        return False
    return any(
        code.isdigit() and len(code) < len(unit_code) and unit_code.startswith(code)
        for code in own_codes
    )


def parent_of(unit_code: str) -> str:
    """The unit one level up (a grid's community, a community's street, a street's
    district); a district is its own top."""
    for length in (12, 9, 6):
        if len(unit_code) > length:
            return unit_code[:length]
    return unit_code

"""How personal data is shown to someone who may not see it in full.

``张三丰`` → ``张**`` (family name only); ID numbers and phones are masked in
``identity_numbers`` and ``phones``; an address keeps its first characters (the
district or community, never the building or flat) and hides the rest behind a fixed
``****`` so that its length is not revealed either.
"""

from __future__ import annotations

ADDRESS_KEPT = 6


def mask_name(name: str) -> str:
    """``张三丰`` → ``张**``: the family name only."""
    return name[:1] + "*" * max(len(name) - 1, 1)


def mask_address(address: str) -> str:
    """``东融社区3栋2单元`` → ``东融社区****``: at most six characters, never more than
    half of the address, then ``****``."""
    kept = min(ADDRESS_KEPT, len(address) // 2)
    return address[:kept] + "****"

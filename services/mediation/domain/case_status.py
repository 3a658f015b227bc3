"""Case statuses as the mediation dashboard shows them, and the order they move in."""

from __future__ import annotations

SUBMITTED = "submitted"
ASSIGNED = "assigned"

LABELS_ZH = {SUBMITTED: "已受理待分派", ASSIGNED: "已分派"}

_ORDER = {SUBMITTED: 0, ASSIGNED: 1}


def advanced(current: str | None, new: str) -> str:
    """Status after an event: never moves backwards if events are replayed out of order."""
    if current is None:
        return new
    return new if _ORDER.get(new, 99) >= _ORDER.get(current, 99) else current

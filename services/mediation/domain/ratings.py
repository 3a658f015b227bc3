"""A resident's rating of the result (满意度), as the case file and timeline show it."""

from __future__ import annotations

RATING_LABELS = {"satisfied": "满意", "basically_satisfied": "基本满意", "not_satisfied": "不满意"}
RATED_STEP = "rated"
RESIDENT = "resident"


def timeline_what(rating: str) -> str:
    """The timeline's line: ``居民评价：满意``."""
    return f"居民评价：{RATING_LABELS.get(rating, rating)}"

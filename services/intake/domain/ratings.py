"""Residents rate the result (满意度): satisfied, basically satisfied or not satisfied,
with an optional comment (DOMAIN.md "The people", "Case work").

One rating per case: the first holder of a tracking token of the case who rates it
(the reporter, or a resident whose report was linked to it as a duplicate) gives the
case's rating, and it is not changed afterwards. Beijing 12345 practice asks for the
rating once, at the return visit after the result (回访); a resident who is not
satisfied asks for the case to be worked again rather than rating twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.intake.domain.progress import Progress

RATINGS = ("satisfied", "basically_satisfied", "not_satisfied")
RATING_LABELS = {"satisfied": "满意", "basically_satisfied": "基本满意", "not_satisfied": "不满意"}


@dataclass(frozen=True)
class RateCase:
    rating: str
    comment: str | None = None


class RatingRefused(Exception):
    """The case cannot be rated now; ``code`` names why (``no-result``, ``already-rated``)."""

    def __init__(self, code: str, en: str, zh: str):
        super().__init__(en)
        self.code, self.en, self.zh = code, en, zh


def check_rateable(progress: Progress | None, already_rated: bool) -> None:
    """Only a result is rated, and only once."""
    if already_rated:
        raise RatingRefused(
            "already-rated",
            "This case was already rated; a rating is given once.",
            "该案件已评价，每个案件只能评价一次。",
        )
    if progress is None or not progress.has_result:
        raise RatingRefused(
            "no-result",
            "The case has no result yet; rate it once it is closed.",
            "案件尚未办结，办结后方可评价。",
        )

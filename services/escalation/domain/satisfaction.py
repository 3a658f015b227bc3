"""满意率, the satisfaction rate of the three rates (三率, Beijing 12345 practice):
satisfied / rated (DOMAIN.md "Rates, written down").

No national formula exists; the published figures divide the cases rated 满意 by the
cases rated at all. A case nobody rated is in neither number: it is never counted as
satisfied, and it does not lower the rate either (DOMAIN.md "Case work": "an unrated
case is never counted as satisfied"). With nothing rated there is no rate, not 100 %.
The counts always go beside the rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

# Only 满意 counts as satisfied in the published formula; a district whose assessment
# also counts 基本满意 passes its own set (practice, not law).
SATISFIED = frozenset({"satisfied"})


@dataclass(frozen=True)
class RatedCounts:
    """Cases by their residents' rating, and the cases with a result nobody rated."""

    satisfied: int = 0
    basically_satisfied: int = 0
    not_satisfied: int = 0
    unrated: int = 0

    @property
    def rated(self) -> int:
        return self.satisfied + self.basically_satisfied + self.not_satisfied


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def value(self) -> Fraction | None:
        """The rate as an exact fraction; None when nothing was counted."""
        return Fraction(self.numerator, self.denominator) if self.denominator else None


def satisfaction_rate(
    counts: RatedCounts, counted_as_satisfied: frozenset[str] = SATISFIED
) -> Rate:
    """满意率 = satisfied / rated; unrated cases in neither, whatever the district counts."""
    by_rating = {
        "satisfied": counts.satisfied,
        "basically_satisfied": counts.basically_satisfied,
        "not_satisfied": counts.not_satisfied,
    }
    unknown = counted_as_satisfied - by_rating.keys()
    if unknown:
        raise ValueError(f"not a rating that can count as satisfied: {sorted(unknown)}")
    return Rate(sum(by_rating[r] for r in counted_as_satisfied), counts.rated)

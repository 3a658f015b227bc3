"""满意率 = satisfied / rated (Beijing 12345 三率 practice, DOMAIN.md "Rates, written
down"); an unrated case is never counted as satisfied (DOMAIN.md "Case work")."""

from __future__ import annotations

from fractions import Fraction

import pytest

from services.escalation.domain.satisfaction import RatedCounts, satisfaction_rate


def test_satisfaction_rate_is_satisfied_over_rated_12345_three_rates() -> None:
    rate = satisfaction_rate(RatedCounts(satisfied=6, basically_satisfied=3, not_satisfied=1))
    assert (rate.numerator, rate.denominator) == (6, 10)
    assert rate.value == Fraction(3, 5)


def test_unrated_cases_are_never_counted_as_satisfied_nor_in_the_denominator() -> None:
    rated = RatedCounts(satisfied=6, basically_satisfied=3, not_satisfied=1)
    with_unrated = RatedCounts(satisfied=6, basically_satisfied=3, not_satisfied=1, unrated=90)
    assert satisfaction_rate(with_unrated) == satisfaction_rate(rated)


def test_nothing_rated_is_no_rate_not_a_hundred_percent() -> None:
    rate = satisfaction_rate(RatedCounts(unrated=12))
    assert (rate.numerator, rate.denominator, rate.value) == (0, 0, None)


def test_a_district_that_counts_basically_satisfied_passes_it_as_data() -> None:
    counts = RatedCounts(satisfied=6, basically_satisfied=3, not_satisfied=1, unrated=5)
    rate = satisfaction_rate(counts, frozenset({"satisfied", "basically_satisfied"}))
    assert (rate.numerator, rate.denominator) == (9, 10)


def test_unrated_cannot_be_declared_satisfied() -> None:
    with pytest.raises(ValueError, match="unrated"):
        satisfaction_rate(RatedCounts(unrated=3), frozenset({"satisfied", "unrated"}))

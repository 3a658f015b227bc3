"""How a resident's rating reads on the case's timeline."""

from __future__ import annotations

from services.mediation.domain.ratings import timeline_what


def test_the_timeline_says_what_the_resident_rated() -> None:
    assert timeline_what("satisfied") == "居民评价：满意"
    assert timeline_what("basically_satisfied") == "居民评价：基本满意"
    assert timeline_what("not_satisfied") == "居民评价：不满意"

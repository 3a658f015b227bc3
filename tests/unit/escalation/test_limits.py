"""Time limits are validated as real platforms do: whole days, at most 99, the red card
later than the yellow, the yellow not before the due time; field by field, in Chinese
and English."""

from __future__ import annotations

import pytest

from services.escalation.domain.limits import (
    LimitInvalid,
    LimitKey,
    check_key,
    level_of,
    seed_rows,
    validate_limit,
)


def codes(raw: dict[str, object]) -> list[tuple[str, str]]:
    with pytest.raises(LimitInvalid) as refused:
        validate_limit(raw)
    for _, _, en, zh in refused.value.problems:
        assert en and zh
    return [(field, code) for field, code, _, _ in refused.value.problems]


def test_a_valid_limit_is_read_with_its_defaults() -> None:
    limit = validate_limit({"due": 1, "yellow": 2, "red": 3})
    assert (limit.due, limit.yellow, limit.red, limit.warn, limit.counting) == (
        1,
        2,
        3,
        0,
        "working",
    )
    assert validate_limit({"due": 2.0, "yellow": 2, "red": 99, "counting": "calendar"}).red == 99


def test_red_must_come_later_than_yellow_and_yellow_not_before_due() -> None:
    assert codes({"due": 3, "yellow": 5, "red": 5}) == [("red", "red_after_yellow")]
    assert codes({"due": 3, "yellow": 2, "red": 4}) == [("yellow", "yellow_after_due")]


def test_days_are_whole_numbers_from_0_to_99_each_field_named() -> None:
    assert codes({"due": 1.5, "yellow": "2", "red": 100, "warn": -1, "counting": "hours"}) == [
        ("due", "whole_days"),
        ("yellow", "whole_days"),
        ("red", "range"),
        ("warn", "range"),
        ("counting", "unknown"),
    ]
    assert codes({"yellow": 2, "red": True}) == [("due", "required"), ("red", "whole_days")]


def test_a_key_names_a_known_stage_level_and_risk() -> None:
    assert [p[0] for p in check_key(LimitKey("", "village", "high", "lunch"))] == [
        "stage",
        "level",
        "risk",
        "category",
    ]


def test_every_shipped_row_passes_the_rules_and_each_stage_has_a_default() -> None:
    rows = seed_rows()
    defaults = {
        r.key.stage
        for r in rows
        if r.key.category == "default" and r.key.level == "any" and r.key.risk == "normal"
    }
    assert defaults == {"accept", "mediate", "confirm", "follow_up", "handle", "verify"}
    assert any(r.key.risk == "民转刑" for r in rows)


def test_a_units_level_follows_from_its_code_length() -> None:
    assert [level_of(c) for c in ("451102", "451102001", "451102001001", "451102001001002")] == [
        "district",
        "street",
        "community",
        "grid",
    ]
